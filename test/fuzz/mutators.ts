// Mutations for the fuzz harness, each driven by a seeded PRNG so that any finding replays from its seed.
// Blind ones (bit flips, truncation, splices, noise) and aware ones that aim at the formats' fields: the byte
// delta's header sizes and block header lengths, varints in the control section, and the image delta's JSON
// header (decoded, a declaration changed, re-encoded, so that the checks behind the container see it).
import { brotliCompressSync, brotliDecompressSync, constants as zlibConstants } from 'node:zlib';
import { BLOCK_HEADER_SIZE, BYTE_DELTA_HEADER_SIZE } from '../../simulator/engine/byteDeltaFormat.js';
import { IMAGE_DELTA_MAGIC } from '../../simulator/engine/imageDeltaFormat.js';

export type Rng = () => number;

export function rng(seed: number): Rng {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

const pick = <T>(r: Rng, xs: readonly T[]): T => xs[r() % xs.length]!;
const interesting = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff];

function noise(r: Rng, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = r() & 0xff;
  return b;
}

/** Blind mutations of any byte string. */
export function mutateBytes(d: Buffer, r: Rng): Buffer {
  const b = Buffer.from(d);
  if (b.length === 0) return noise(r, r() % 64);
  switch (r() % 9) {
    case 0:
      return b.subarray(0, r() % b.length);
    case 1:
      for (let i = 0, n = 1 + (r() % 8); i < n; i++) b[r() % b.length]! ^= 1 << (r() % 8);
      return b;
    case 2:
      for (let i = 0, n = 1 + (r() % 4); i < n; i++) b[r() % b.length] = pick(r, [0, 0xff, 0x7f, 0x80, r() & 0xff]);
      return b;
    case 3: {
      const at = r() % Math.max(1, b.length - 4);
      b.writeUInt32LE(pick(r, interesting) >>> 0, at);
      return b;
    }
    case 4:
      return Buffer.concat([b, noise(r, 1 + (r() % 64))]);
    case 5: {
      const from = r() % b.length;
      return Buffer.concat([b.subarray(0, from), b.subarray(Math.min(b.length, from + 1 + (r() % 64)))]);
    }
    case 6: {
      // a range repeated: duplicated blocks, sections, entries
      const from = r() % b.length;
      const len = 1 + (r() % Math.min(512, b.length - from));
      const at = r() % b.length;
      return Buffer.concat([b.subarray(0, at), b.subarray(from, from + len), b.subarray(at)]);
    }
    case 7: {
      const at = r() % b.length;
      return Buffer.concat([b.subarray(0, at), noise(r, 1 + (r() % 32)), b.subarray(at)]);
    }
    default:
      return Buffer.concat([b.subarray(0, Math.min(b.length, 8 + (r() % 24))), noise(r, r() % 400)]);
  }
}

/** Mutations aimed at a byte delta's fields: header sizes, block lengths, section methods, varints. */
export function mutateByteDelta(d: Buffer, r: Rng): Buffer {
  if (r() % 3 === 0 || d.length < BYTE_DELTA_HEADER_SIZE + BLOCK_HEADER_SIZE) return mutateBytes(d, r);
  const b = Buffer.from(d);
  const block = BYTE_DELTA_HEADER_SIZE; // the first block header
  switch (r() % 6) {
    case 0: // block size
      b.writeUInt32LE(pick(r, interesting) >>> 0, 12);
      return b;
    case 1: // old or new size (u64)
      b.writeBigUInt64LE(BigInt(pick(r, interesting)) * BigInt(1 + (r() % 3)) + BigInt(r() % 3), pick(r, [16, 24]));
      return b;
    case 2: // the first block's new length
      b.writeUInt32LE(pick(r, interesting) >>> 0, block);
      return b;
    case 3: // a section's method, raw or packed length
      {
        const s = r() % 3;
        const field = r() % 3;
        if (field === 0) b.writeUInt8(r() % 6, block + 4 + s * 9);
        else b.writeUInt32LE(pick(r, interesting) >>> 0, block + 4 + s * 9 + (field === 1 ? 1 : 5));
      }
      return b;
    case 4: // a varint of the control section grown or cut
      {
        const at = block + BLOCK_HEADER_SIZE + (r() % Math.max(1, Math.min(32, b.length - block - BLOCK_HEADER_SIZE)));
        b[at] = pick(r, [0xff, 0x80, 0x7f, 0x00, r() & 0xff]);
      }
      return b;
    default: // digests
      b[32 + (r() % 64)]! ^= 1 << (r() % 8);
      return b;
  }
}

/** Mutations aimed at an image delta: its JSON header's declarations, or the byte deltas behind it. */
export function mutateImageDelta(d: Buffer, r: Rng): Buffer {
  if (r() % 2 === 0 || !d.subarray(0, 8).equals(IMAGE_DELTA_MAGIC)) return r() % 2 ? mutateBytes(d, r) : mutatePayload(d, r);
  const len = d.readUInt32LE(12);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(brotliDecompressSync(d.subarray(16, 16 + len)).toString('utf8')) as Record<string, unknown>;
  } catch {
    return mutateBytes(d, r);
  }
  const target = header.target as { layers: Record<string, unknown>[]; [k: string]: unknown };
  const basis = header.basis as { oldLayers: string[]; reusedLayers: string[] } | null;
  const layer = target.layers.length ? target.layers[r() % target.layers.length]! : undefined;
  const number = () =>
    pick(r, [0, 1, -1, 512, 1e6, 2 ** 31, 2 ** 53, 1.5, Number(target.archiveSize) + 1, Number(target.archiveSize) - 512]);
  switch (r() % 10) {
    case 0:
      target.archiveSize = number();
      break;
    case 1:
      target.imageBytes = number();
      break;
    case 2:
      if (layer) layer.size = number();
      break;
    case 3:
      if (layer) layer.deltaBytes = number();
      break;
    case 4:
      if (layer) layer.source = pick(r, ['basis', 'delta', 'repeat', 'other']);
      break;
    case 5:
      if (layer) target.layers.push(...Array.from({ length: 1 + (r() % 300) }, () => ({ ...layer })));
      break;
    case 6:
      if (basis && basis.oldLayers.length) basis.oldLayers.push(...Array.from({ length: 1 + (r() % 1000) }, () => basis.oldLayers[0]!));
      else header.basis = { imageId: target.imageId, oldLayers: [], reusedLayers: [] };
      break;
    case 7:
      target.layers.reverse();
      break;
    case 8:
      target.config = String(target.config).replace(/sha256:[0-9a-f]/, (m) => m.slice(0, -1) + pick(r, ['0', 'f']));
      break;
    default:
      if (layer) layer.diffId = pick(r, [target.imageId, `sha256:${'0'.repeat(64)}`, 'sha256:zz', 42]);
  }
  const json = brotliCompressSync(Buffer.from(JSON.stringify(header)), { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 4 } });
  const pre = Buffer.from(d.subarray(0, 16));
  pre.writeUInt32LE(json.length, 12);
  return Buffer.concat([pre, json, d.subarray(16 + len)]);
}

/** A byte-delta-aware mutation of the payload behind an image delta's header. */
function mutatePayload(d: Buffer, r: Rng): Buffer {
  const at = 16 + d.readUInt32LE(12);
  if (at >= d.length) return mutateBytes(d, r);
  return Buffer.concat([d.subarray(0, at), mutateByteDelta(d.subarray(at), r)]);
}
