// The byte-level delta format (versions 1 and 2), see README.md "Byte delta format". All integers little-endian.
//
//   header (96 bytes): magic "EPBDELTA" | version u8 (1 or 2) | reserved u8[3] | blockSize u32
//                      oldSize u64 | newSize u64 | oldSha256 [32] | newSha256 [32]
//   (version 2: reserved byte 9 is windowLog, 0 unless the delta is windowed, see below)
//   version 2 only: the executable transforms (executable/executableTransform.ts), as one section:
//     method u8 | rawLen u32 | packedLen u32 | payload ; the blocks then rebuild new against the old input
//     with those transforms applied (the prediction), not against old itself.
//   blocks, until newSize bytes are produced, each:
//     newLen u32, then three sections (control, diff, extra), each: method u8 (0 stored, 1 brotli,
//     2 zero-runs + brotli, 3 zero-runs)
//     | rawLen u32 | packedLen u32 ; followed by the three packed payloads in that order.
//
// Windowed deltas (windowLog > 0, inputs larger than memory): no transforms section after the header; instead
// each block is preceded by its window start (u64: old bytes [start, start + 2^windowLog) are the only ones
// it reads; starts never decrease) and a transforms section of the programs predicted from this block on.
//
// Control is a list of varint triples (seek, addLen, extraLen): oldPos moves by seek (signed, zig-zag), then
// addLen bytes are old[oldPos+i] + diff[i] (mod 256) and oldPos advances by addLen, then extraLen bytes are
// copied from extra. oldPos starts at 0 and persists across blocks. Blocks bound the memory apply needs: at most blockSize output bytes plus three sections.
import { corrupt, invalidInput } from '../shared/errors.js';

export const BYTE_DELTA_MAGIC = Buffer.from('EPBDELTA', 'latin1');
/** The version this code writes; it reads every version from 1 up to it. */
export const BYTE_DELTA_VERSION = 2;
export const TRANSFORMS_HEADER_SIZE = 9;
export const BYTE_DELTA_HEADER_SIZE = 96;
export const BLOCK_HEADER_SIZE = 4 + 3 * 9;
export const MAX_BLOCK_SIZE = 64 << 20;
export const DEFAULT_BLOCK_SIZE = 32 << 20;
/** Windows of old for windowed deltas: at most 256 MiB. */
export const MAX_WINDOW_LOG = 28;

export const enum SectionMethod {
  Stored = 0,
  Brotli = 1,
  /** zero-run coded (zeroRuns.ts), then brotli */
  ZeroRunsBrotli = 2,
  /** zero-run coded, not compressed */
  ZeroRuns = 3,
}

export interface ByteDeltaHeader {
  version: number;
  blockSize: number;
  oldSize: number;
  newSize: number;
  oldSha256: string;
  newSha256: string;
  /** Windowed deltas (version 2): every block reads old within a window of 2^windowLog bytes that only moves
   *  forwards; 0 for deltas that may read old anywhere. */
  windowLog: number;
}

export function encodeByteDeltaHeader(h: ByteDeltaHeader): Buffer {
  const b = Buffer.alloc(BYTE_DELTA_HEADER_SIZE);
  BYTE_DELTA_MAGIC.copy(b, 0);
  b.writeUInt8(h.version, 8);
  b.writeUInt8(h.windowLog, 9);
  b.writeUInt32LE(h.blockSize, 12);
  b.writeBigUInt64LE(BigInt(h.oldSize), 16);
  b.writeBigUInt64LE(BigInt(h.newSize), 24);
  Buffer.from(h.oldSha256, 'hex').copy(b, 32);
  Buffer.from(h.newSha256, 'hex').copy(b, 64);
  return b;
}

/** Parses and bounds-checks a header; throws `invalid-input` when the bytes are not a delta at all. */
export function decodeByteDeltaHeader(b: Buffer): ByteDeltaHeader {
  if (b.length < BYTE_DELTA_HEADER_SIZE || !b.subarray(0, 8).equals(BYTE_DELTA_MAGIC)) {
    throw invalidInput('not an EdgePush delta (bad magic)');
  }
  const version = b.readUInt8(8);
  if (version < 1 || version > BYTE_DELTA_VERSION) throw invalidInput(`unsupported delta version ${version}`);
  const windowLog = version >= 2 ? b.readUInt8(9) : 0;
  if (windowLog !== 0 && (windowLog < 16 || windowLog > MAX_WINDOW_LOG)) throw corrupt(`delta window 2^${windowLog} out of range`);
  const blockSize = b.readUInt32LE(12);
  const oldSize = b.readBigUInt64LE(16);
  const newSize = b.readBigUInt64LE(24);
  if (blockSize < 1 || blockSize > MAX_BLOCK_SIZE) throw corrupt(`delta block size ${blockSize} out of range`);
  if (oldSize > BigInt(Number.MAX_SAFE_INTEGER) || newSize > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw corrupt('delta sizes out of range');
  }
  return {
    version,
    blockSize,
    oldSize: Number(oldSize),
    newSize: Number(newSize),
    oldSha256: b.subarray(32, 64).toString('hex'),
    newSha256: b.subarray(64, 96).toString('hex'),
    windowLog,
  };
}
