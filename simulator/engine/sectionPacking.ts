// How a block's sections are stored: brotli when it pays, else as they are (the diff section is zero-run coded
// either way), and the block header in front. Compression runs here (sync) or on the libuv thread pool (async,
// several sections at once, while the caller goes on matching); both give the same bytes.
import { brotliCompress, brotliCompressSync, constants as z, type BrotliOptions } from 'node:zlib';
import { BLOCK_HEADER_SIZE, SectionMethod } from './byteDeltaFormat.js';

export interface PackedSection {
  method: SectionMethod;
  data: Uint8Array;
}

/** One section of a block: its bytes as coded so far, and its raw length (the diff's length before zero-run coding). */
export interface SectionInput {
  bytes: Uint8Array;
  rawLength: number;
  zeroRuns: boolean;
}

// Sections this small (the usual case for near-identical inputs) get brotli's strongest setting: it costs
// about 2 µs a byte, so a few milliseconds at most.
const SMALL_SECTION = 4 << 10;
const MIN_COMPRESSED = 64;

function brotliOptions(raw: Uint8Array, quality: number): BrotliOptions {
  return {
    params: {
      [z.BROTLI_PARAM_QUALITY]: raw.length < SMALL_SECTION ? 11 : quality,
      [z.BROTLI_PARAM_LGWIN]: 24,
      [z.BROTLI_PARAM_SIZE_HINT]: raw.length,
    },
  };
}

function choose(s: SectionInput, compressed: Uint8Array | undefined): PackedSection {
  if (compressed === undefined || compressed.length >= s.bytes.length) {
    return { method: s.zeroRuns ? SectionMethod.ZeroRuns : SectionMethod.Stored, data: s.bytes };
  }
  return { method: s.zeroRuns ? SectionMethod.ZeroRunsBrotli : SectionMethod.Brotli, data: compressed };
}

export function packNow(s: SectionInput, quality: number): PackedSection {
  return choose(s, s.bytes.length >= MIN_COMPRESSED ? brotliCompressSync(s.bytes, brotliOptions(s.bytes, quality)) : undefined);
}

/** As packNow, on the thread pool. `s.bytes` must stay unchanged until the promise settles. */
export function packLater(s: SectionInput, quality: number): Promise<PackedSection> {
  if (s.bytes.length < MIN_COMPRESSED) return Promise.resolve(choose(s, undefined));
  return new Promise((resolve, reject) => {
    brotliCompress(s.bytes, brotliOptions(s.bytes, quality), (err, out) => (err ? reject(err) : resolve(choose(s, out))));
  });
}

/** The block header (new length; method, raw and packed length per section) and the sections after it. */
export function blockChunks(newLength: number, inputs: readonly SectionInput[], packed: readonly PackedSection[]): Uint8Array[] {
  const head = Buffer.alloc(BLOCK_HEADER_SIZE);
  head.writeUInt32LE(newLength, 0);
  packed.forEach((p, i) => {
    head.writeUInt8(p.method, 4 + i * 9);
    head.writeUInt32LE(inputs[i]!.rawLength, 5 + i * 9);
    head.writeUInt32LE(p.data.length, 9 + i * 9);
  });
  return [head, ...packed.map((p) => p.data)];
}
