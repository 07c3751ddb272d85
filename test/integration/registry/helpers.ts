// Shared pieces of the registry and fleet integration tests: a real registry (Debian's docker-registry,
// CNCF distribution 2.8) on this area's loopback addresses (127.B.81.x), with its state under a temporary
// directory, and small test images built on this machine's engine from the local busybox base.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import { pack as tarPack } from 'tar-stream';
import { startRegistry, stopRegistry, type RunningRegistry } from '../../../simulator/registry/registryServer.js';
import { ensureBaseImages } from '../../../simulator/device/baseImages.js';

export const docker = new Docker();

export interface TestRegistry extends RunningRegistry {
  host: string;
  stop(): Promise<void>;
}

/** Starts a registry on `address:port`; its state file and storage live in `stateDir` (default: a temporary
 *  directory of its own, removed by stop()). */
export async function startTestRegistry(address: string, port = 5000, stateDir?: string): Promise<TestRegistry> {
  const state = stateDir ?? mkdtempSync(join(tmpdir(), 'ep-registry-it-'));
  process.env.XDG_STATE_HOME = state;
  const r = await startRegistry({ address, port });
  return {
    ...r,
    host: `${address}:${port}`,
    async stop() {
      process.env.XDG_STATE_HOME = state;
      await stopRegistry(address, port);
      if (!stateDir) rmSync(state, { recursive: true, force: true });
    },
  };
}

/** A 300 KB payload that stays the same between versions: the part a delta does not resend. */
export function payload(seed: number): Buffer {
  const b = Buffer.alloc(300_000);
  let x = Math.imul(seed, 2654435761) >>> 0;
  for (let i = 0; i < b.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/**
 * Builds `tag` on this machine's engine: busybox, a payload, and a script that prints `line` and then runs
 * (or exits with `exitCode` at start). Two versions differing in `line` are a one-line change.
 */
export async function buildTestImage(tag: string, line: string, opts: { exitCode?: number; label?: string } = {}): Promise<string> {
  await ensureBaseImages(docker, { node: false });
  const script =
    opts.exitCode !== undefined
      ? `echo "${line}"\nexit ${opts.exitCode}\n`
      : `echo "${line}"\ntrap "exit 0" TERM\nwhile true; do sleep 1; done\n`;
  const pack = tarPack();
  // One COPY of the whole app, as most projects do: the one-line change lands in a 300 KB layer.
  pack.entry({ name: 'Dockerfile' }, 'FROM edgepush-base/busybox:latest\nCOPY app /app\nCMD ["sh", "/app/app.sh"]\n');
  pack.entry({ name: 'app/payload.bin' }, payload(7));
  pack.entry({ name: 'app/app.sh' }, script);
  pack.finalize();
  const stream = (await docker.buildImage(pack as unknown as Readable, {
    t: tag,
    labels: { 'io.edgepush.test': opts.label ?? 'registry' },
  })) as unknown as Readable;
  await new Promise<void>((res, rej) =>
    docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) =>
      err ? rej(err) : out.find((o) => o.error) ? rej(new Error(out.find((o) => o.error)!.error)) : res(),
    ),
  );
  return (await docker.getImage(tag).inspect()).Id;
}

export async function removeImages(...refs: string[]): Promise<void> {
  for (const r of refs)
    await docker
      .getImage(r)
      .remove({ force: true })
      .catch(() => undefined);
}
