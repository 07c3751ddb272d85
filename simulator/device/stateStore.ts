// What a device keeps on disk under its data dir, each file written atomically (shared/atomicWrite.ts), so a
// kill -9 at any point leaves either the old or the new content.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { writeFileAtomic } from '../shared/atomicWrite.js';
import * as z from 'zod';
import { localStateSchema, type LocalState } from './targetState.js';

/** A state file's content, or undefined when it is missing, malformed or of the wrong shape (never a throw:
 *  a damaged file must not keep the device from starting). */
function readJson<T>(path: string, schema: z.ZodType<T>): T | undefined {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

const identitySchema = z.object({ uuid: z.string(), name: z.string(), createdAt: z.string() });
export type DeviceIdentity = z.infer<typeof identitySchema>;

const poweredOffSchema = z.object({ containers: z.array(z.string()) });

/** Image ids the current target resolved its image names to, and which target that was (sha256 of its JSON). */
const pinsSchema = z.object({ target: z.string(), pins: z.record(z.string(), z.string().regex(/^sha256:[0-9a-f]{64}$/)) });
export type ImagePins = z.infer<typeof pinsSchema>;

export class StateStore {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  identity(fallbackName: string): DeviceIdentity {
    const path = join(this.dir, 'device.json');
    const found = readJson(path, identitySchema);
    if (found) return found;
    const made = { uuid: randomBytes(16).toString('hex'), name: fallbackName, createdAt: new Date().toISOString() };
    writeFileAtomic(path, JSON.stringify(made, null, 2));
    return made;
  }

  target(defaultName: string): LocalState {
    const found = readJson(join(this.dir, 'target-state.json'), localStateSchema);
    return found ?? { local: { name: defaultName, config: { SUPERVISOR_LOCAL_MODE: '1' }, apps: {} } };
  }

  saveTarget(state: LocalState): void {
    writeFileAtomic(join(this.dir, 'target-state.json'), JSON.stringify(state));
  }

  /** Containers the device stopped itself (power-off, stop-service): they may be started again. */
  poweredOff(): Set<string> {
    return new Set(readJson(join(this.dir, 'stopped-by-device.json'), poweredOffSchema)?.containers ?? []);
  }

  savePoweredOff(ids: Iterable<string>): void {
    writeFileAtomic(join(this.dir, 'stopped-by-device.json'), JSON.stringify({ containers: [...ids] }));
  }

  /** The image pins saved for a target; undefined when none were saved for `targetHash`. */
  imagePins(targetHash: string): Record<string, string> | undefined {
    const found = readJson(join(this.dir, 'image-pins.json'), pinsSchema);
    return found && found.target === targetHash ? found.pins : undefined;
  }

  saveImagePins(pins: ImagePins): void {
    writeFileAtomic(join(this.dir, 'image-pins.json'), JSON.stringify(pins));
  }

  lockDir(appId: number, service: string): string {
    const dir = join(this.dir, 'locks', String(appId), service);
    mkdirSync(dir, { recursive: true });
    return dir;
  }
}
