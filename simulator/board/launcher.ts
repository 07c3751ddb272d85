// Starting a board: the image (built or cached), a copy-on-write overlay (kept across restarts; `reset` makes a
// new one, "factory reset"), the agent disk, KVM or TCG, then QEMU in the background with its console in a log
// file and a QMP socket. The board keeps running after the caller exits; state.json lets later calls find it.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cachedImage, ensureImage } from './imageBuild.js';
import { initArgs, recipeFor, x86Recipe, type BoardArch } from './recipe.js';
import { boardNameFor, boardPaths, cacheRoot, stateRoot } from './paths.js';
import { boardArgs, type BoardSpec } from './qemuArgs.js';
import { chooseAccel } from './kvmProbe.js';
import { findAgentBundle, makeAgentDisk } from './agentDisk.js';
import { bundleDigest, codeCachePath, harvestCodeCache } from './codeCache.js';
import { qemuAlive, readBoardState, writeBoardState, type BoardState } from './boardState.js';
import { watchBoot } from './bootWatch.js';
import { killBoard } from './power.js';
import { findFirmware } from './balenaImage.js';
import { runTool } from './run.js';
import { conflict, notFound } from '../shared/errors.js';
import type { PhaseEvent } from './consolePhases.js';
import type { Progress } from '../shared/progress.js';

export interface StartBoardOptions {
  /** x86_64 (default) or aarch64 (qemu-system-aarch64 -M virt, TCG on an x86 machine). */
  board?: BoardArch;
  /** balena device type the board's agent reports (default the generic type of its arch). */
  deviceType?: string;
  /** Host loopback address the board's ports are forwarded from (default 127.0.0.3). */
  address?: string;
  name?: string;
  /** A user's balenaOS genericx86-64 image instead of the Debian board. */
  image?: string;
  memoryMiB?: number;
  cpus?: number;
  /** Throw away the overlay: the board starts from the clean image. */
  reset?: boolean;
  agentBundle?: string;
  /** Serve the guest engine on 2375 directly (only for boards without an agent that proxies it). */
  engineTcp?: boolean;
  /** Wait until the supervisor answers (default) or only the engine. */
  until?: 'online' | 'engine';
  bootTimeoutMs?: number;
  qemu?: string;
  stateDir?: string;
  cacheDir?: string;
  progress?: Progress;
}

export interface StartBoardHooks {
  onPhase?: (e: PhaseEvent) => void;
  signal?: AbortSignal;
}

export interface BoardHandle {
  name: string;
  kind: 'debian' | 'balena';
  address: string;
  pid: number;
  accel: 'kvm' | 'tcg';
  supervisorUrl: string;
  engineUrl: string;
  consoleLog: string;
  phases: PhaseEvent[];
  /** When QEMU was started (ISO time); phase times count from there. */
  startedAt: string;
  /** Seconds from QEMU start until the wanted phase. */
  bootSeconds: number;
}

export const defaultAddress = '127.0.0.3';

function hostTscKHz(): number | undefined {
  try {
    const m = /cpu MHz\s*:\s*([\d.]+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return m?.[1] ? Math.round(Number(m[1]) * 1000) : undefined;
  } catch {
    return undefined;
  }
}

async function prepareOverlay(overlay: string, base: string, baseFormat: 'raw' | 'qcow2', fresh: boolean): Promise<void> {
  if (!fresh && existsSync(overlay)) return;
  rmSync(overlay, { force: true });
  await runTool('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', base, '-F', baseFormat, overlay], { timeoutMs: 30_000 });
}

export async function startBoard(opts: StartBoardOptions = {}, hooks: StartBoardHooks = {}): Promise<BoardHandle> {
  const address = opts.address ?? defaultAddress;
  const name = opts.name ?? boardNameFor(address);
  const root = opts.stateDir ?? stateRoot();
  const paths = boardPaths(name, root);
  const recipe = recipeFor(opts.board ?? 'x86_64');
  const arm = recipe.board === 'aarch64';
  const qemu = opts.qemu ?? (arm ? 'qemu-system-aarch64' : 'qemu-system-x86_64');
  const previous = readBoardState(name, root);
  if (previous && qemuAlive(previous.pid, name)) throw conflict(`board ${name} is already running (pid ${previous.pid})`);
  mkdirSync(paths.dir, { recursive: true });

  let spec: BoardSpec;
  let base: string;
  const common = {
    name,
    address,
    memoryMiB: opts.memoryMiB ?? 1024,
    cpus: opts.cpus ?? 2,
    overlay: paths.overlay,
    console: paths.console,
    qmp: paths.qmp,
  };
  if (opts.image) {
    base = resolve(opts.image);
    if (!existsSync(base)) throw notFound(`image ${opts.image} does not exist`);
    await prepareOverlay(paths.overlay, base, base.endsWith('.qcow2') ? 'qcow2' : 'raw', Boolean(opts.reset) || previous?.base !== base);
    // the KVM probe boots the Debian board's kernel when one is cached; without it, TCG unless told otherwise
    const accel = await chooseAccel(qemu, cachedImage(x86Recipe, opts.cacheDir ?? cacheRoot())?.kernel, root);
    spec = { kind: 'balena', ...common, accel, firmware: findFirmware() };
  } else {
    const image = await ensureImage({ recipe, cacheDir: opts.cacheDir ?? cacheRoot(), progress: opts.progress });
    base = image.rootfs;
    await prepareOverlay(paths.overlay, base, 'raw', Boolean(opts.reset) || previous?.base !== base);
    const bundle = findAgentBundle(opts.agentBundle);
    const cacheDir = opts.cacheDir ?? cacheRoot();
    await harvestCodeCache(paths.agentDisk, join(paths.agentDir, 'cli.js'), cacheDir, image.info.hash);
    await makeAgentDisk(paths.agentDisk, paths.agentDir, {
      bundle,
      name,
      engineTcp: Boolean(opts.engineTcp),
      codeCache: codeCachePath(cacheDir, image.info.hash, bundleDigest(bundle)),
      deviceType: opts.deviceType ?? (arm ? 'generic-aarch64' : undefined),
    });
    // An aarch64 guest on an x86 machine is TCG; Cortex-A72 (no pointer authentication to emulate) is much faster there than `max`.
    const nativeArm = process.arch === 'arm64';
    const accel = arm && !nativeArm ? 'tcg' : await chooseAccel(qemu, image.kernel, root);
    spec = {
      kind: 'debian',
      ...common,
      accel,
      kernel: image.kernel,
      agentDisk: paths.agentDisk,
      kernelArgs: recipe.kernelArgs,
      initArgs,
      ...(arm ? { machine: 'virt' as const, ...(accel === 'tcg' ? { cpu: 'cortex-a72' } : {}) } : { tscKHz: hostTscKHz() }),
    };
  }

  if (existsSync(paths.console)) renameSync(paths.console, paths.previousConsole);
  rmSync(paths.qmp, { force: true });
  const argv = boardArgs(spec);
  const qemuLog = openSync(`${paths.dir}/qemu.log`, 'w');
  const started = Date.now();
  const child = spawn(qemu, argv, { stdio: ['ignore', qemuLog, qemuLog], detached: true });
  closeSync(qemuLog);
  child.unref();
  const pid = await new Promise<number>((res, rej) => {
    child.once('spawn', () => res(child.pid ?? -1));
    child.once('error', rej);
  });
  const state: BoardState = {
    name,
    kind: spec.kind,
    board: recipe.board,
    address,
    pid,
    accel: spec.accel,
    memoryMiB: spec.memoryMiB,
    cpus: spec.cpus,
    base,
    startedAt: new Date(started).toISOString(),
    argv: [qemu, ...argv],
  };
  writeBoardState(state, root);

  try {
    const phases = await watchBoot({
      consoleLog: paths.console,
      address,
      startedAt: started,
      alive: () => qemuAlive(pid, name),
      until: opts.until ?? 'online',
      timeoutMs: opts.bootTimeoutMs ?? (spec.kind === 'balena' ? 600_000 : arm ? 360_000 : 180_000),
      onPhase: hooks.onPhase,
      signal: hooks.signal,
    });
    return {
      name,
      kind: spec.kind,
      address,
      pid,
      accel: spec.accel,
      supervisorUrl: `http://${address}:48484`,
      engineUrl: `tcp://${address}:2375`,
      consoleLog: paths.console,
      phases,
      startedAt: state.startedAt,
      bootSeconds: Math.round((Date.now() - started) / 100) / 10,
    };
  } catch (err) {
    // a board that did not come up is powered off hard; its console log stays for `board logs`
    await killBoard(name, { stateDir: root }).catch(() => undefined);
    const qemuErr = readTail(`${paths.dir}/qemu.log`);
    if (qemuErr && err instanceof Error) err.message += `\n${qemuErr}`;
    throw err;
  }
}

function readTail(file: string, lines = 8): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
