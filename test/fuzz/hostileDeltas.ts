// Hand-made hostile inputs for the engine and the device: image deltas and byte deltas that are well formed
// on the outside (right magic, right digests where they are checked early) but lie inside. Shared by the
// regression tests and the fuzz harness (`npm run fuzz`).
import { createHash } from 'node:crypto';
import { brotliCompressSync, constants as zlibConstants } from 'node:zlib';
import { createImageDelta } from '../../simulator/engine/imageDelta.js';
import { encodeImageDeltaHeader, type ImageDeltaHeader } from '../../simulator/engine/imageDeltaFormat.js';
import { BLOCK_HEADER_SIZE, SectionMethod, encodeByteDeltaHeader } from '../../simulator/engine/byteDeltaFormat.js';
import { makeImage, makeTar } from '../unit/engine/fixtures.js';
import type { ImageArchive } from '../../simulator/engine/imageArchive.js';
import { imageArchiveSize } from '../../simulator/engine/imageArchiveWriter.js';

export const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

const concat = (chunks: Uint8Array[]) => Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)));

/** A full image delta (no basis) whose only layer is `layer`, byte for byte. */
export async function deltaOfLayer(layer: Buffer, tag = 'local_hostile:latest'): Promise<{ delta: Buffer; target: ImageArchive }> {
  const target = makeImage([layer], tag);
  const d = await createImageDelta({ target, estimates: false });
  return { delta: concat(d.chunks), target };
}

/** A tar whose one entry claims `claimed` bytes but whose data ends after 1 KiB (the archive just stops). */
export async function truncatedTar(claimed = 8 * 1024 ** 3 - 1): Promise<Buffer> {
  const tar = await makeTar([{ name: 'big.bin', data: Buffer.alloc(1024, 7) }]);
  const header = Buffer.from(tar.subarray(0, 512));
  header.write(claimed.toString(8).padStart(11, '0') + '\0', 124, 12, 'latin1');
  header.fill(' ', 148, 156);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return Buffer.concat([header, tar.subarray(512, 512 + 1024)]);
}

/** Symlinks that escape only when followed: `x/y -> ..`, then `x/y/z -> ../..` lands above the root. */
export async function chainedSymlinkTar(): Promise<Buffer> {
  return makeTar([
    { name: 'x', type: 'directory' },
    { name: 'x/y', type: 'symlink', linkname: '..' },
    { name: 'x/y/z', type: 'symlink', linkname: '../..' },
  ]);
}

/** A layer holding the same path twice. */
export async function duplicatePathTar(): Promise<Buffer> {
  return makeTar([
    { name: 'etc', type: 'directory' },
    { name: 'etc/config', data: 'one' },
    { name: 'etc/config', data: 'two' },
  ]);
}

/** Wraps a hand-written header and payload bytes into an image delta container. */
export function imageDelta(header: ImageDeltaHeader, payload: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([encodeImageDeltaHeader(header), payload]);
}

/**
 * A byte delta that rebuilds `next` from its extra sections alone, one brotli-compressed block of `blockSize`
 * at a time: zeros compress to almost nothing, so the delta is tiny next to what it declares. `lie` puts a
 * wrong target sha256 in the header (the digest check then fails only after every byte was produced).
 */
export function literalByteDelta(next: Buffer, blockSize: number, old: Buffer = Buffer.alloc(0), lie = false): Buffer {
  const header = encodeByteDeltaHeader({
    version: 1, // the layout written below: header, then blocks (no executable transforms section)
    windowLog: 0,
    blockSize,
    oldSize: old.length,
    newSize: next.length,
    oldSha256: sha256(old),
    newSha256: lie ? 'f'.repeat(64) : sha256(next),
  });
  const parts: Buffer[] = [header];
  let prev: { raw: Buffer; encoded: Buffer } | undefined;
  for (let at = 0; at < next.length; at += blockSize) {
    const raw = next.subarray(at, Math.min(next.length, at + blockSize));
    if (!prev || !raw.equals(prev.raw)) {
      const packed = brotliCompressSync(raw, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 1 } });
      const ctrl = Buffer.from([0, 0, ...varint(raw.length)]); // seek 0, add 0, extra = the whole block
      const block = Buffer.alloc(BLOCK_HEADER_SIZE);
      block.writeUInt32LE(raw.length, 0);
      const sections: [number, number, Buffer][] = [
        [SectionMethod.Stored, ctrl.length, ctrl],
        [SectionMethod.Stored, 0, Buffer.alloc(0)],
        [SectionMethod.Brotli, raw.length, packed],
      ];
      sections.forEach(([method, rawLen, data], i) => {
        block.writeUInt8(method, 4 + i * 9);
        block.writeUInt32LE(rawLen, 5 + i * 9);
        block.writeUInt32LE(data.length, 9 + i * 9);
      });
      prev = { raw, encoded: Buffer.concat([block, ctrl, packed]) };
    }
    parts.push(prev.encoded);
  }
  return Buffer.concat(parts);
}

/** `n` zero bytes that are a valid tar: one empty file named `name`, then end-of-archive zeros. */
export async function zeroPaddedTar(name: string, n: number): Promise<Buffer> {
  const tar = await makeTar([{ name, data: Buffer.alloc(0) }]);
  const out = Buffer.alloc(n);
  tar.copy(out, 0, 0, 512);
  return out;
}

/**
 * An image delta (no basis) whose layers are `layers`, each rebuilt by `literalByteDelta`: a few hundred bytes
 * per 64 MiB of zeros. Every declared size and digest is consistent, so only the cost of applying it is hostile.
 */
export function literalImageDelta(layers: Buffer[], blockSize = 64 << 20, tag = 'local_big:latest'): Buffer {
  const img = makeImage(layers, tag);
  const payloads = layers.map((l) => literalByteDelta(l, blockSize));
  const header: ImageDeltaHeader = {
    format: 'edgepush-image-delta',
    version: 1,
    basis: null,
    target: {
      imageId: img.imageId,
      repoTags: img.repoTags,
      config: img.config.toString('utf8'),
      archiveSize: imageArchiveSize({
        imageId: img.imageId,
        configSize: img.config.length,
        repoTags: img.repoTags,
        layers: img.layers.map((l) => ({ diffId: l.diffId, size: l.data.length })),
      }),
      imageBytes: img.config.length + layers.reduce((n, l) => n + l.length, 0),
      layers: img.layers.map((l, i) => ({
        diffId: l.diffId,
        size: l.data.length,
        source: 'delta' as const,
        deltaBytes: payloads[i]!.length,
      })),
    },
  };
  return imageDelta(header, Buffer.concat(payloads));
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
