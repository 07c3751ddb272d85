// The agent's V8 code cache, shared by every board on this host: the guest writes it on the agent disk
// (/opt/edgepush/agent.v8cache, see agentLoader.ts); before the next start the host copies it out of the old agent
// disk (`debugfs`, no mount) into the cache dir, keyed by the image (its Node) and the bundle it was made for, and
// puts it on the new agent disk. So even a first boot on a fresh overlay starts the agent from a warm cache.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runTool } from './run.js';

export const guestCacheName = 'agent.v8cache';

export function bundleDigest(bundle: string): string {
  return createHash('sha256').update(readFileSync(bundle)).digest('hex').slice(0, 16);
}

export function codeCachePath(cacheDir: string, imageHash: string, bundleSha: string): string {
  return join(cacheDir, 'agent-cache', `${imageHash}-${bundleSha}.v8cache`);
}

/** Copies the cache the guest left on the previous agent disk (made for `previousBundle`) into the cache dir. */
export async function harvestCodeCache(agentDisk: string, previousBundle: string, cacheDir: string, imageHash: string): Promise<void> {
  if (!existsSync(agentDisk) || !existsSync(previousBundle)) return;
  const dest = codeCachePath(cacheDir, imageHash, bundleDigest(previousBundle));
  mkdirSync(join(cacheDir, 'agent-cache'), { recursive: true });
  const tmp = `${dest}.tmp-${process.pid}`;
  try {
    await runTool('debugfs', ['-R', `dump /${guestCacheName} ${tmp}`, agentDisk], { timeoutMs: 30_000 });
    if (existsSync(tmp) && statSync(tmp).size > 0) {
      renameSync(tmp, dest);
      pruneOldCaches(join(cacheDir, 'agent-cache'));
    }
  } catch {
    // no cache on that disk (first boot, power cut before it was written): nothing to keep
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Keeps the few newest caches (one per recent bundle build); older ones are only disk. */
function pruneOldCaches(dir: string, keep = 6): void {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.v8cache'))
    .map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const { f } of files.slice(keep)) rmSync(join(dir, f), { force: true });
}
