// Durable file replacement: write a temp file next to the target, fsync it, rename it into place, fsync the
// directory. A crash leaves either the old file or the complete new one (plus, at worst, a stray temp file).
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Runs write(tmpPath), then commits tmpPath to `path`. The temp file is removed if anything fails. */
export async function commitFileAtomically(path: string, write: (tmpPath: string) => Promise<void>): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await write(tmp);
    await fsyncPath(tmp);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await fsyncPath(dirname(path));
}
