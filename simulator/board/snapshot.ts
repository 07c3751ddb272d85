// Warm starts: after the first boot of an image reaches "agent online, engine up", the running board's state is
// saved (QMP `stop`, `migrate` to an lz4-compressed file, the two disks copied while the guest is paused, `cont`),
// and a later fresh start of the same image, agent bundle and settings restores it (`-incoming`) instead of
// booting. The key covers everything the saved RAM depends on: the image, the agent bundle (a new build means a
// cold boot and a new snapshot), the board's name and settings (board.env), memory, CPUs, accelerator and the
// QEMU version. The host address is not in the state (QEMU's port forwards are command-line), so it may change;
// the guest's clock is set from the RTC after a restore (initScript.ts).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { qmpCommand } from './qmp.js';
import { runTool } from './run.js';
import { unavailable } from '../shared/errors.js';

export interface SnapshotKeyInput {
  imageHash: string;
  bundleDigest: string;
  boardEnv: string;
  memoryMiB: number;
  cpus: number;
  accel: string;
  qemuVersion: string;
  kernelArgs: readonly string[];
}

export function snapshotKey(k: SnapshotKeyInput): string {
  return createHash('sha256').update(JSON.stringify(k)).digest('hex').slice(0, 16);
}

export const snapshotMetaSchema = z.object({
  key: z.string(),
  board: z.string(),
  bundleDigest: z.string(),
  savedAt: z.string(),
  /** How long the guest was paused while its state was written. */
  pausedSeconds: z.number(),
  stateBytes: z.number(),
});
export type SnapshotMeta = z.infer<typeof snapshotMetaSchema>;

export interface SnapshotFiles {
  dir: string;
  /** The guest's RAM and device state, lz4-compressed migration stream. */
  state: string;
  /** The root overlay as it was at that moment (backed by the image's rootfs.img). */
  disk: string;
  agent: string;
  meta: string;
}

export function snapshotFiles(snapshotsDir: string, key: string): SnapshotFiles {
  const dir = join(snapshotsDir, key);
  return {
    dir,
    state: join(dir, 'vm.lz4'),
    disk: join(dir, 'disk.qcow2'),
    agent: join(dir, 'agent.img'),
    meta: join(dir, 'snapshot.json'),
  };
}

export function findSnapshot(snapshotsDir: string, key: string): (SnapshotFiles & { info: SnapshotMeta }) | undefined {
  const f = snapshotFiles(snapshotsDir, key);
  try {
    const info = snapshotMetaSchema.parse(JSON.parse(readFileSync(f.meta, 'utf8')));
    if (info.key !== key || ![f.state, f.disk, f.agent].every((p) => existsSync(p))) return undefined;
    return { ...f, info };
  } catch {
    return undefined;
  }
}

let qemuVersionCache: Record<string, string> = {};
export async function qemuVersion(qemu: string): Promise<string> {
  qemuVersionCache[qemu] ??= (await runTool(qemu, ['--version'], { timeoutMs: 10_000 })).split('\n')[0]?.trim() ?? 'unknown';
  return qemuVersionCache[qemu]!;
}
export function forgetQemuVersions(): void {
  qemuVersionCache = {};
}

/** Shell-quoted for QEMU's `exec:` migration URI (run by /bin/sh). */
const q = (p: string) => `'${p.replace(/'/g, `'\\''`)}'`;

/** The extra QEMU arguments that restore a saved state instead of booting. */
export function restoreArgs(f: Pick<SnapshotFiles, 'state'>): string[] {
  return ['-incoming', `exec:lz4 -d -q -c ${q(f.state)}`];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitMigration(qmp: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = z
      .object({ status: z.string().optional(), 'error-desc': z.string().optional() })
      .parse(await qmpCommand(qmp, 'query-migrate'));
    if (r.status === 'completed') return;
    if (r.status === 'failed' || r.status === 'cancelled')
      throw unavailable(`saving the board's state failed: ${r['error-desc'] ?? r.status}`);
    if (Date.now() > until) throw unavailable(`saving the board's state took longer than ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

/**
 * Saves a running board: pause, migrate its state to a file, copy its disks, resume. The snapshot is written in a
 * temporary folder and renamed into place, so a failed save leaves nothing behind. Always resumes the guest.
 */
export async function saveSnapshot(o: {
  qmp: string;
  overlay: string;
  agentDisk: string;
  files: SnapshotFiles;
  meta: Omit<SnapshotMeta, 'savedAt' | 'pausedSeconds' | 'stateBytes'>;
}): Promise<SnapshotMeta> {
  const tmp = `${o.files.dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const t = snapshotFiles(tmp, '.');
  const paused = Date.now();
  await qmpCommand(o.qmp, 'stop');
  try {
    await qmpCommand(o.qmp, 'migrate', { uri: `exec:lz4 -1 -q > ${q(join(tmp, 'vm.lz4'))}` });
    await waitMigration(o.qmp, 120_000);
    // the block layer was flushed and let go of the images at the end of the migration: copy them as they are
    await runTool('cp', ['--sparse=always', o.overlay, join(tmp, 'disk.qcow2')], { timeoutMs: 120_000 });
    await runTool('cp', ['--sparse=always', o.agentDisk, join(tmp, 'agent.img')], { timeoutMs: 120_000 });
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  } finally {
    await qmpCommand(o.qmp, 'cont').catch(() => undefined);
  }
  const meta: SnapshotMeta = {
    ...o.meta,
    savedAt: new Date().toISOString(),
    pausedSeconds: Math.round((Date.now() - paused) / 100) / 10,
    stateBytes: statSync(join(tmp, 'vm.lz4')).size,
  };
  writeFileSync(join(t.dir, 'snapshot.json'), `${JSON.stringify(meta, null, 2)}\n`);
  mkdirSync(join(o.files.dir, '..'), { recursive: true });
  rmSync(o.files.dir, { recursive: true, force: true });
  renameSync(tmp, o.files.dir);
  pruneSnapshots(join(o.files.dir, '..'), o.meta.board, o.meta.key);
  return meta;
}

/** A board's older snapshots (earlier agent bundles or settings) are only disk: keep the newest for each board. */
function pruneSnapshots(dir: string, board: string, keep: string): void {
  for (const d of readdirSync(dir)) {
    if (d === keep || d.includes('.tmp-')) continue;
    try {
      const m = snapshotMetaSchema.parse(JSON.parse(readFileSync(join(dir, d, 'snapshot.json'), 'utf8')));
      if (m.board === board) rmSync(join(dir, d), { recursive: true, force: true });
    } catch {
      rmSync(join(dir, d), { recursive: true, force: true });
    }
  }
}

/** Puts the snapshot's disks in place as the board's own (copies: the snapshot stays for the next start). */
export async function restoreDisks(f: SnapshotFiles, overlay: string, agentDisk: string): Promise<void> {
  await runTool('cp', ['--sparse=always', f.disk, overlay], { timeoutMs: 120_000 });
  await runTool('cp', ['--sparse=always', f.agent, agentDisk], { timeoutMs: 120_000 });
}

export function dropSnapshot(f: Pick<SnapshotFiles, 'dir'>): void {
  rmSync(f.dir, { recursive: true, force: true });
}
