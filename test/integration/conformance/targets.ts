// The two devices the conformance suite runs against, behind one shape: `edgepush device` (spawned from
// dist/cli.js) and the real balena-supervisor v19.0.5 in local mode against its own private dockerd
// (scripts/real-supervisor/real-supervisor.sh, set up and cached by scripts/setup.sh). Each starts once per file.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Docker from 'dockerode';
import { BUSYBOX_IMAGE, NODE_IMAGE } from '../../../simulator/device/baseImages.js';
import type { ShipMethod } from '../../../simulator/push/types.js';
import { baseImages, docker, startDevice } from '../push/harness.js';
import { runTag } from '../../testNet.js';

export interface ConformanceTarget {
  kind: 'edgepush' | 'real';
  address: string;
  /** The device's engine, as a user's tools reach it (ADDR:2375). */
  engine: Docker;
  /** How `--build-on local` ships to it. */
  localMethod: ShipMethod;
  stop(): Promise<void>;
}

export async function startEdgePushTarget(address: string): Promise<ConformanceTarget> {
  const dev = await startDevice(address, 'conform');
  return {
    kind: 'edgepush',
    address,
    engine: new Docker({ host: address, port: 2375 }),
    localMethod: 'delta-agent',
    stop: () => dev.cleanup(),
  };
}

/** `edgepush device --stock`: only what a stock balenaOS device offers (the helper path without the real supervisor). */
export async function startEdgePushStockTarget(address: string): Promise<ConformanceTarget> {
  const dev = await startDevice(address, 'conform-stock', { stock: true });
  return {
    kind: 'edgepush',
    address,
    engine: new Docker({ host: address, port: 2375 }),
    localMethod: 'delta-helper',
    stop: () => dev.cleanup(),
  };
}

const SCRIPT = resolve('scripts/real-supervisor/real-supervisor.sh');

function run(args: string[], env: Record<string, string>, timeoutMs: number): Promise<string> {
  return new Promise((res, rej) => {
    execFile(
      'bash',
      [SCRIPT, ...args],
      { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 8 << 20 },
      (err, stdout, stderr) => {
        if (err) rej(new Error(`real-supervisor.sh ${args.join(' ')} failed: ${err.message}\n${stderr.slice(-3000)}`));
        else res(stdout);
      },
    );
  });
}

/** Why the real supervisor cannot run here, or undefined when it can (root: it runs a private dockerd). */
export function realSupervisorUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'the real balena-supervisor needs root here (a private dockerd in its own namespaces)';
  return undefined;
}

/** Loads this machine's image into the device's engine (a stock device has no edgepush-base images). */
export async function loadInto(engine: Docker, ref: string): Promise<void> {
  const saved = (await docker.getImage(ref).get()) as NodeJS.ReadableStream;
  const out = await engine.loadImage(saved, { quiet: true });
  await new Promise<void>((res, rej) => engine.modem.followProgress(out, (err: Error | null) => (err ? rej(err) : res())));
}

/**
 * The real supervisor on `address`. SUP_ENGINE_DIR (a balenaEngine build, ../shared/real-supervisor/balena-engine)
 * runs it on balenaEngine instead of Debian's dockerd.
 */
export async function startRealTarget(address: string, opts: { withNodeImage?: boolean } = {}): Promise<ConformanceTarget> {
  await baseImages();
  const home = await mkdtemp(join(tmpdir(), `ep-sup-${runTag()}-`));
  const env = { SUP_HOME: home, SUP_ADDR: address };
  const stop = async () => {
    await run(['clean'], env, 120_000).catch(() => undefined);
    await rm(home, { recursive: true, force: true }).catch(() => undefined);
  };
  try {
    await run(['start'], env, 300_000);
    const engine = new Docker({ host: address, port: 2375 });
    await loadInto(engine, BUSYBOX_IMAGE);
    if (opts.withNodeImage) await loadInto(engine, NODE_IMAGE);
    return { kind: 'real', address, engine, localMethod: 'delta-helper', stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
