// An app's update lock, as balena-supervisor reads it: `updates.lock` (or the older `resin-updates.lock`) in the
// service's lock dir, which the container sees at /tmp/balena and /tmp/resin.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export function updatesLocked(lockDir: (appId: number, service: string) => string, appId: number, service: string): boolean {
  const dir = lockDir(appId, service);
  return existsSync(join(dir, 'updates.lock')) || existsSync(join(dir, 'resin-updates.lock'));
}
