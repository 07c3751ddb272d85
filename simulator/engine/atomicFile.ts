// Durable file replacement: write a temp file next to the target, fsync it, rename it into place, fsync the
// directory. A crash leaves either the old file or the complete new one (plus, at worst, a stray temp file,
// which ContentStore.open removes). On an error the temp file is closed first and then removed, so no writer
// can re-create it afterwards.
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Writable } from 'node:stream';

export async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

const closed = (out: Writable) =>
  out.closed ? Promise.resolve() : new Promise<void>((resolve) => out.once('close', () => resolve()));

/** Runs write(out) with a stream into a temp file, then commits it to `path`. */
export async function commitFileAtomically(path: string, write: (out: Writable) => Promise<void>): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx');
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
  }
  await fsyncPath(dirname(path));
}
