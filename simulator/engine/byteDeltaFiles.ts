// File-level helpers around the byte codec, for the CLI and tests: create a delta file, apply one into an
// output file that is committed (fsync + rename) only after the target digest checked out.
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { applyByteDelta, createByteDeltaAsync, type CreateByteDeltaOptions } from './byteDelta.js';
import { commitFileAtomically } from './atomicFile.js';
import type { ByteDeltaHeader } from './byteDeltaFormat.js';
import { invalidInput } from '../shared/errors.js';

async function readInput(path: string, what: string): Promise<Buffer> {
  try {
    const st = await stat(path);
    if (!st.isFile()) throw invalidInput(`${what} ${path} is not a file`);
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw invalidInput(`${what} ${path} does not exist`);
    throw err;
  }
}

export async function createDeltaFile(
  oldPath: string,
  newPath: string,
  outPath: string,
  opts?: CreateByteDeltaOptions,
): Promise<{ bytes: number; header: ByteDeltaHeader }> {
  const [old, next] = await Promise.all([readInput(oldPath, 'old file'), readInput(newPath, 'new file')]);
  const d = await createByteDeltaAsync(old, next, opts);
  await commitFileAtomically(outPath, (out) => pipeline(Readable.from(d.chunks), out));
  return { bytes: d.bytes, header: d.header };
}

export async function applyDeltaFile(
  oldPath: string,
  deltaPath: string,
  outPath: string,
  onProgress?: (done: number, total: number) => void,
): Promise<{ bytes: number }> {
  const old = await readInput(oldPath, 'old file');
  await stat(deltaPath).catch(() => {
    throw invalidInput(`delta ${deltaPath} does not exist`);
  });
  let bytes = 0;
  await commitFileAtomically(outPath, (out) =>
    pipeline(
      applyByteDelta(old, createReadStream(deltaPath), onProgress),
      async function* (src: AsyncIterable<Buffer>) {
        for await (const c of src) {
          bytes += c.length;
          yield c;
        }
      },
      out,
    ),
  );
  return { bytes };
}
