// The byte delta of a layer against nothing (a first push: the device has no basis), made from file ranges a
// block at a time, so a multi-gigabyte layer is never held: with no old input there is nothing to match, and
// the delta is new's bytes as "extra", compressed block by block. The bytes are those createByteDelta(empty,
// new) writes for the same block size (one triple per block, an empty transforms section in version 2), so
// the applier is the ordinary one and needs one block of memory.
import { createHash } from 'node:crypto';
import type { FileSpans } from './fileSpans.js';
import { BlockWriter } from './blockWriter.js';
import { sha256Hex, transformsSection, type CreateByteDeltaOptions } from './byteDelta.js';
import { BYTE_DELTA_VERSION, DEFAULT_BLOCK_SIZE, encodeByteDeltaHeader, type ByteDeltaHeader } from './byteDeltaFormat.js';
import { invalidInput } from '../shared/errors.js';

const NOTHING = new Uint8Array(0);

/** The block size for a memory budget: the default (32 MiB) unless the budget is small; a block is held
 *  about four times over while it is compressed (the segment read, the extra section, the compressors' copy). */
export function blockSizeFor(budget: number): number {
  return Math.max(1 << 20, Math.min(DEFAULT_BLOCK_SIZE, 2 ** Math.floor(Math.log2(budget / 8))));
}

/** The delta from nothing to `next`, handed to `write` chunk by chunk, header first (new is hashed in a first
 *  pass, read in order, and again as its blocks are read: a file changed in between is refused). */
export async function createDeltaFromNothingOf(
  next: FileSpans,
  write: (chunk: Uint8Array) => Promise<void>,
  opts: CreateByteDeltaOptions = {},
): Promise<{ bytes: number; header: ByteDeltaHeader }> {
  const blockSize = opts.blockSize ?? DEFAULT_BLOCK_SIZE;
  const header: ByteDeltaHeader = {
    version: opts.executables === false ? 1 : BYTE_DELTA_VERSION,
    blockSize,
    oldSize: 0,
    newSize: next.size,
    oldSha256: sha256Hex(NOTHING),
    newSha256: await next.sha256(),
    windowLog: 0,
  };
  let written = 0;
  const emit = async (chunks: Uint8Array[]) => {
    for (const c of chunks) {
      await write(c);
      written += c.length;
    }
  };
  await emit([encodeByteDeltaHeader(header), ...(header.version === 1 ? [] : transformsSection([]))]);
  const writer = new BlockWriter(NOTHING, NOTHING, blockSize, { quality: opts.quality ?? 5, background: true });
  const read = createHash('sha256');
  for (let at = 0; at < next.size; at += blockSize) {
    const block = next.read(at, Math.min(blockSize, next.size - at));
    read.update(block);
    writer.rebase(NOTHING, 0, block);
    writer.triple(0, block.length, 0, 0);
    writer.flush();
    opts.onProgress?.(at + block.length, next.size);
    await emit(await writer.drain());
  }
  if (read.digest('hex') !== header.newSha256) throw invalidInput(`${next.path} changed while the delta was made`);
  return { bytes: written, header };
}
