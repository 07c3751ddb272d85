// Starting a board: the image (built or cached), a copy-on-write overlay (kept across restarts; `reset` makes a
// new one, "factory reset"), the agent disk, KVM or TCG, then QEMU in the background with its console in a log
// file and a QMP socket. The board keeps running after the caller exits; state.json lets later calls find it.
import { spawn } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cachedImage, ensureImage } from './imageBuild.js';
import { initArgs, recipeFor, x86Recipe, type BoardArch } from './recipe.js';
import { boardNameFor, boardPaths, cacheRoot, stateRoot } from './paths.js';
import { boardArgs, type BoardSpec } from './qemuArgs.js';
import { chooseAccel } from './kvmProbe.js';
import { boardEnv, findAgentBundle, makeAgentDisk } from './agentDisk.js';
import { bundleDigest, codeCachePath, harvestCodeCache } from './codeCache.js';
import { qemuAlive, readBoardState, writeBoardState, type BoardState } from './boardState.js';
import { watchBoot } from './bootWatch.js';
import { killBoard } from './power.js';
import { findFirmware } from './balenaImage.js';
import { runTool } from './run.js';
import {
  dropSnapshot,
  findSnapshot,
  qemuVersion,
  restoreArgs,
  restoreDisks,
  saveSnapshot,
  snapshotFiles,
  snapshotKey,
  type SnapshotFiles,
} from './snapshot.js';
import { qmpCommand } from './qmp.js';
import * as z from 'zod';
import { cancelled, conflict, EdgePushError, messageOf, notFound, unavailable } from '../shared/errors.js';
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
  /**
   * Boot, never restore a saved state, and save none (a board with a fresh overlay is otherwise restored from the
   * state saved after the first boot of the same image, agent bundle and settings, or saves that state).
   */
  cold?: boolean;
  agentBundle?: string;
  /** Serve the guest engine on 2375 directly (only for boards without an agent that proxies it). */
  engineTcp?: boolean;
  /**
   * Runs once the first boot of a fresh overlay has its engine up, just before its state is saved: what it puts on
   * the board (the CLI: the edgepush-base busybox image, issue 14) is then on every board restored from that state.
   * A failure is reported through `progress` and the state is saved without it.
   */
  beforeSave?: (board: { address: string; engineUrl: string; board: BoardArch }) => Promise<void>;
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
  /** True when the board was restored from a saved state instead of booted. */
  restored: boolean;
  /** Set when this start saved the board's state for later warm starts (the guest was paused that long). */
  saved?: { pausedSeconds: number; stateBytes: number };
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
  let snapshot: (SnapshotFiles & { key: string; restore: boolean; bundleDigest: string }) | undefined;
  const common = {
    name,
    address,
    memoryMiB: opts.memoryMiB ?? 1024,
    cpus: opts.cpus ?? 2, // under TCG, see vcpusFor
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
    spec = { kind: 'balena', ...common, cpus: vcpusFor(accel, opts.cpus), accel, firmware: findFirmware() };
  } else {
    const image = await ensureImage({ recipe, cacheDir: opts.cacheDir ?? cacheRoot(), progress: opts.progress });
    base = image.rootfs;
    const fresh = Boolean(opts.reset) || previous?.base !== base || !existsSync(paths.overlay);
    const bundle = findAgentBundle(opts.agentBundle);
    const cacheDir = opts.cacheDir ?? cacheRoot();
    // An aarch64 guest on an x86 machine is TCG; Cortex-A72 (no pointer authentication to emulate) is much faster there than `max`.
    const nativeArm = process.arch === 'arm64';
    const accel = arm && !nativeArm ? 'tcg' : await chooseAccel(qemu, image.kernel, root);
    common.cpus = vcpusFor(accel, opts.cpus);
    const digest = bundleDigest(bundle);
    const agentDeviceType = opts.deviceType ?? (arm ? 'generic-aarch64' : undefined);
    // a fresh board (new overlay) of an image, agent and settings already booted once wakes from the saved state
    if (fresh && !opts.cold && (opts.until ?? 'online') === 'online') {
      const key = snapshotKey({
        imageHash: image.info.hash,
        bundleDigest: digest,
        boardEnv: boardEnv({ name, engineTcp: Boolean(opts.engineTcp), deviceType: agentDeviceType }),
        memoryMiB: common.memoryMiB,
        cpus: common.cpus,
        accel,
        qemuVersion: await qemuVersion(qemu),
        kernelArgs: recipe.kernelArgs,
      });
      const found = findSnapshot(image.snapshots, key);
      snapshot = { ...(found ?? snapshotFiles(image.snapshots, key)), key, restore: Boolean(found), bundleDigest: digest };
    }
    if (snapshot?.restore) {
      await restoreDisks(snapshot, paths.overlay, paths.agentDisk);
      // what the agent disk holds, for the code cache harvest at the next start (codeCache.ts)
      rmSync(paths.agentDir, { recursive: true, force: true });
      mkdirSync(paths.agentDir, { recursive: true });
      copyFileSync(bundle, join(paths.agentDir, 'cli.js'));
    } else {
      await prepareOverlay(paths.overlay, base, 'raw', fresh);
      await harvestCodeCache(paths.agentDisk, join(paths.agentDir, 'cli.js'), cacheDir, image.info.hash);
      await makeAgentDisk(paths.agentDisk, paths.agentDir, {
        bundle,
        name,
        engineTcp: Boolean(opts.engineTcp),
        codeCache: codeCachePath(cacheDir, image.info.hash, digest),
        deviceType: agentDeviceType,
      });
    }
    spec = {
      kind: 'debian',
      ...common,
      accel,
      kernel: image.kernel,
      initrd: image.initrd,
      agentDisk: paths.agentDisk,
      kernelArgs: recipe.kernelArgs,
      initArgs,
      ...(arm
        ? { machine: 'virt' as const, powerButton: paths.powerButton, ...(accel === 'tcg' ? { cpu: 'cortex-a72' } : {}) }
        : { tscKHz: hostTscKHz() }),
    };
  }

  try {
    return await launch(spec, base, opts, hooks, root, qemu, previous, snapshot);
  } catch (err) {
    if (!snapshot?.restore || EdgePushError.is(err, 'cancelled')) throw err;
    // a saved state that does not restore (QEMU refused it, the guest did not answer) is dropped; boot instead
    dropSnapshot(snapshot);
    opts.progress?.update(`the saved state of ${name} did not restore (${messageOf(err).split('\n')[0]}); booting`);
    return startBoard({ ...opts, name, address, reset: true }, hooks);
  }
}

async function launch(
  spec: BoardSpec,
  base: string,
  opts: StartBoardOptions,
  hooks: StartBoardHooks,
  root: string,
  qemu: string,
  previous: BoardState | undefined,
  snapshot: (SnapshotFiles & { key: string; restore: boolean; bundleDigest: string }) | undefined,
): Promise<BoardHandle> {
  const { name, address } = spec;
  const paths = boardPaths(name, root);
  const restoring = Boolean(snapshot?.restore);
  if (existsSync(paths.console)) renameSync(paths.console, paths.previousConsole);
  rmSync(paths.qmp, { force: true });
  rmSync(paths.powerButton, { force: true });
  const argv = [...boardArgs(spec), ...(restoring && snapshot ? restoreArgs(snapshot) : [])];
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
    board: spec.kind === 'debian' && spec.machine === 'virt' ? 'aarch64' : 'x86_64',
    address,
    pid,
    accel: spec.accel,
    memoryMiB: spec.memoryMiB,
    cpus: spec.cpus,
    base,
    startedAt: new Date(started).toISOString(),
    argv: [qemu, ...argv],
    restored: restoring,
    ...(previous?.savedState ? { savedState: previous.savedState } : {}),
  };
  writeBoardState(state, root);

  try {
    const phases: PhaseEvent[] = [];
    // the `restored` phase is when QEMU says the guest runs again (the incoming state is loaded)
    if (restoring) await waitRunning(paths.qmp, () => qemuAlive(pid, name), 60_000, hooks.signal);
    phases.push(
      ...(await watchBoot({
        consoleLog: paths.console,
        address,
        startedAt: started,
        alive: () => qemuAlive(pid, name),
        until: opts.until ?? 'online',
        timeoutMs: restoring
          ? 30_000
          : (opts.bootTimeoutMs ?? (spec.kind === 'balena' ? 600_000 : spec.machine === 'virt' ? 360_000 : 180_000)),
        restored: restoring,
        onPhase: hooks.onPhase,
        signal: hooks.signal,
      })),
    );
    const bootSeconds = Math.round((Date.now() - started) / 100) / 10;
    let saved: BoardHandle['saved'];
    if (snapshot && !restoring && spec.kind === 'debian') {
      // the first boot of this image and agent: once the engine is up too, its state is kept for warm starts
      await watchBoot({
        consoleLog: paths.console,
        address,
        startedAt: started,
        alive: () => qemuAlive(pid, name),
        until: 'engine',
        timeoutMs: 120_000,
        signal: hooks.signal,
      });
      if (opts.beforeSave) {
        await opts
          .beforeSave({ address, engineUrl: `tcp://${address}:2375`, board: state.board })
          .catch((err: unknown) => opts.progress?.update(`board ${name}: ${messageOf(err).split('\n')[0]}; saving its state without it`));
      }
      opts.progress?.update(`saving board ${name}'s state for warm starts`);
      const meta = await saveSnapshot({
        qmp: paths.qmp,
        overlay: paths.overlay,
        agentDisk: paths.agentDisk,
        files: snapshot,
        meta: { key: snapshot.key, board: name, bundleDigest: snapshot.bundleDigest },
      }).catch((err: unknown) => {
        opts.progress?.update(`board ${name}: its state could not be saved (${messageOf(err).split('\n')[0]}); the next start boots`);
        return undefined;
      });
      if (meta) {
        saved = { pausedSeconds: meta.pausedSeconds, stateBytes: meta.stateBytes };
        writeBoardState({ ...state, savedState: snapshot.key }, root);
      }
    }
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
      bootSeconds,
      restored: restoring,
      ...(saved ? { saved } : {}),
    };
  } catch (err) {
    // a board that did not come up is powered off hard; its console log stays for `board logs`
    await killBoard(name, { stateDir: root }).catch(() => undefined);
    const qemuErr = readTail(`${paths.dir}/qemu.log`);
    if (qemuErr && err instanceof Error) err.message += `\n${qemuErr}`;
    throw err;
  }
}

/** Until QEMU says the restored guest runs (the incoming migration is done). */
async function waitRunning(qmp: string, alive: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted) throw cancelled('board start cancelled');
    if (!alive()) throw unavailable('QEMU exited while restoring the saved state (see qemu.log)');
    const r = await qmpCommand(qmp, 'query-status', undefined, 2000).catch(() => undefined);
    const status = z.object({ status: z.string() }).safeParse(r);
    if (status.success && status.data.status === 'running') return;
    // the state was saved from a paused guest (saveSnapshot stops it first), so it arrives paused: resume it
    if (status.success && status.data.status === 'paused') await qmpCommand(qmp, 'cont', undefined, 2000).catch(() => undefined);
    if (Date.now() > until) throw unavailable(`the saved state was not restored within ${timeoutMs / 1000} s`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

function readTail(file: string, lines = 8): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * vCPUs of a board: 2 under KVM; 1 under TCG unless asked. The guest lock-up of issue 14 had both vCPUs stuck
 * in runc at once (`soft lockup - CPU#0 stuck for 44s! [runc:311]` and `CPU#1 ... [runc:309]`, then
 * `rcu_preempt kthread starved`), seen in CI on this 2-core machine at load 13: a wait of one vCPU on the other
 * that multi-threaded TCG on an oversubscribed host did not complete. With one vCPU no such wait exists, and on a
 * host this busy a second emulated CPU bought no speed.
 */
export function vcpusFor(accel: 'kvm' | 'tcg', asked: number | undefined): number {
  return asked ?? (accel === 'kvm' ? 2 : 1);
}
