// Durable file replacement: write a temp file next to the target, fsync it, rename it into place, fsync the
// directory. A crash leaves either the old file or the complete new one (plus, at worst, a stray temp file,
// which ContentStore.open and the next commit to the same path remove). On an error the temp file is closed
// first and then removed, so no writer can re-create it afterwards. Temp files carry the writer's pid
// (`.NAME.<pid>.<hex>.tmp`), so that one left by a process that is gone can be told from one being written.
import { rmSync } from 'node:fs';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Writable } from 'node:stream';
import { processAlive } from '../shared/processAlive.js';

export async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

const closed = (out: Writable) => (out.closed ? Promise.resolve() : new Promise<void>((resolve) => out.once('close', () => resolve())));

/** Temp files being written by this process: removed by removePendingTempFiles on a signal. */
const pending = new Set<string>();

/** Removes this process's unfinished temp files at once (a signal handler's last act before exiting). */
export function removePendingTempFiles(): void {
  for (const p of pending) rmSync(p, { force: true });
  pending.clear();
}

/** Temp files for `path` left by processes that are gone (killed mid-write): removed. */
export const removeStaleTempFiles = (path: string): Promise<void> => removeTempFiles(path, (pid) => !processAlive(pid));

/** Temp files for `path` that this process left: a writer on a worker thread that was terminated mid-write
 *  (its `pending` set went with it) cannot remove its own. For a path no other writer of ours is writing. */
export const removeOwnTempFiles = (path: string): Promise<void> => removeTempFiles(path, (pid) => pid === process.pid);

/** Whether `file` is a temp file this process writes for `path` (compare real paths with real paths). */
export function isOwnTempFile(path: string, file: string): boolean {
  const prefix = join(dirname(path), `.${basename(path)}.${process.pid}.`);
  return file.startsWith(prefix) && /^[0-9a-f]+\.tmp$/.test(file.slice(prefix.length));
}

async function removeTempFiles(path: string, whose: (pid: number) => boolean): Promise<void> {
  const prefix = `.${basename(path)}.`;
  let names: string[];
  try {
    names = await readdir(dirname(path));
  } catch {
    return;
  }
  for (const f of names) {
    if (!f.startsWith(prefix) || !f.endsWith('.tmp')) continue;
    const m = /^(\d+)\.[0-9a-f]+\.tmp$/.exec(f.slice(prefix.length));
    if (m && whose(Number(m[1]))) await rm(join(dirname(path), f), { force: true });
  }
}

/** Runs write(out) with a stream into a temp file, then commits it to `path`. */
export async function commitFileAtomically(path: string, write: (out: Writable) => Promise<void>): Promise<void> {
  await removeStaleTempFiles(path);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  pending.add(tmp); // before it exists: a signal between its creation and the next line still finds it
  let fh;
  try {
    fh = await open(tmp, 'wx');
  } catch (err) {
    pending.delete(tmp);
    throw err;
  }
  const out = fh.createWriteStream();
  try {
    await write(out);
    if (!out.writableEnded) out.end();
    await closed(out);
    await fsyncPath(tmp);
    await rename(tmp, path);
  } catch (err) {
    out.destroy();
    await closed(out);
    await rm(tmp, { force: true });
    throw err;
  } finally {
    pending.delete(tmp);
  }
  await fsyncPath(dirname(path));
}
