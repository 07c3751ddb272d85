// File-level helpers around the byte codec, for the CLI and tests: create a delta file, apply one into an
// output file that is committed (fsync + rename) only after the target digest checked out. Before any work the
// output path must be writable (not a directory, its folder present) and the declared result must fit on the
// disk; a large result is verified in a first pass before a byte of it is written, so a hostile delta that
// declares a gigabyte never writes one.
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { applyByteDelta, applyWindowedDeltaFrom, createByteDeltaAsync, readByteDeltaHeader } from './byteDelta.js';
import { ByteReader } from './byteReader.js';
import { DEFAULT_MEMORY_BUDGET, createWindowedDelta, type WindowedDeltaOptions } from './windowedDelta.js';
import { commitFileAtomically } from './atomicFile.js';
import { BYTE_DELTA_HEADER_SIZE, decodeByteDeltaHeader, type ByteDeltaHeader } from './byteDeltaFormat.js';
import { checkFreeResources } from './freeResources.js';
import { conflict, corrupt, invalidInput } from '../shared/errors.js';

/** Results larger than this are verified (a pass that only hashes) before they are written. */
export const VERIFY_FIRST_BYTES = 64 << 20;

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

/** Fails at once (usage error) when `path` cannot become the output file: a directory, or no such folder. */
export async function checkOutputPath(path: string): Promise<void> {
  const st = await stat(path).catch(() => undefined);
  if (st?.isDirectory()) throw invalidInput(`output ${path} is a directory; give a file name (-o ${path.replace(/\/+$/, '')}/NAME)`);
  const dir = await stat(dirname(path)).catch(() => undefined);
  if (!dir?.isDirectory()) throw invalidInput(`output folder ${dirname(path)} does not exist`);
}

async function readDeltaHeader(path: string): Promise<ByteDeltaHeader> {
  const st = await stat(path).catch(() => undefined);
  if (!st?.isFile()) throw invalidInput(`delta ${path} does not exist`);
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(BYTE_DELTA_HEADER_SIZE);
    const { bytesRead } = await fh.read(b, 0, b.length, 0);
    return decodeByteDeltaHeader(b.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/** Inputs larger than this together are diffed through a window (memory bounded by the budget), smaller ones
 *  whole in memory (every old byte a match candidate). */
const windowedAbove = (budget: number) => budget / 2;

async function inputSize(path: string, what: string): Promise<number> {
  const st = await stat(path).catch(() => undefined);
  if (!st) throw invalidInput(`${what} ${path} does not exist`);
  if (!st.isFile()) throw invalidInput(`${what} ${path} is not a file`);
  return st.size;
}

export async function createDeltaFile(
  oldPath: string,
  newPath: string,
  outPath: string,
  opts: WindowedDeltaOptions = {},
): Promise<{ bytes: number; header: ByteDeltaHeader }> {
  await checkOutputPath(outPath);
  const [oldSize, newSize] = await Promise.all([inputSize(oldPath, 'old file'), inputSize(newPath, 'new file')]);
  if (oldSize > 0 && newSize > 0 && oldSize + newSize > windowedAbove(opts.memoryBudget ?? DEFAULT_MEMORY_BUDGET)) {
    let r: { bytes: number; header: ByteDeltaHeader } | undefined;
    await commitFileAtomically(outPath, async (out) => {
      const write = (c: Uint8Array) =>
        new Promise<void>((resolve, reject) => {
          out.write(c, (err) => (err ? reject(err) : resolve()));
        });
      r = await createWindowedDelta(oldPath, newPath, write, opts);
    });
    return r!;
  }
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
  await checkOutputPath(outPath);
  const header = await readDeltaHeader(deltaPath);
  const oldSize = (await stat(oldPath).catch(() => undefined))?.size;
  if (oldSize !== undefined && oldSize !== header.oldSize) {
    throw conflict(`wrong basis: the delta was made against ${header.oldSize} bytes, ${oldPath} has ${oldSize}`);
  }
  // a windowed delta holds one window of old (read in order from the file) and one block, whatever the sizes
  const windowed = header.windowLog > 0;
  const memoryBytes = windowed ? 2 * 2 ** header.windowLog + 3 * header.blockSize : header.oldSize + 3 * header.blockSize;
  await checkFreeResources({ diskBytes: header.newSize, memoryBytes }, dirname(outPath));
  const old = windowed ? undefined : await readInput(oldPath, 'old file');
  if (windowed) await inputSize(oldPath, 'old file');
  const applying = (progress?: (done: number, total: number) => void) => {
    if (!old) {
      const reader = new ByteReader(createReadStream(deltaPath));
      return (async function* () {
        await readByteDeltaHeader(reader);
        yield* applyWindowedDeltaFrom(createReadStream(oldPath, { highWaterMark: 1 << 20 }), reader, header, progress);
        if (!(await reader.atEnd())) throw corrupt('unexpected bytes after the end of the delta');
      })();
    }
    return applyByteDelta(old, createReadStream(deltaPath), progress);
  };
  const large = header.newSize > VERIFY_FIRST_BYTES;
  const half = (done: number, total: number, pass: number) => onProgress?.(Math.round((pass * total + done) / 2), total);
  if (large) {
    // Pass one only hashes: the target digest is checked before anything is written.
    await pipeline(
      applying((d, t) => half(d, t, 0)),
      new Writable({ write: (_c, _e, cb) => cb() }),
    );
  }
  let bytes = 0;
  await commitFileAtomically(outPath, (out) =>
    pipeline(
      applying(large ? (d, t) => half(d, t, 1) : onProgress),
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
