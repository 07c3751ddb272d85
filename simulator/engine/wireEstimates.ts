// What other update methods would send for one layer, for the delta report: a registry layer pull (gzip -6)
// and balenaEngine's librsync deltas (512-byte blocks, estimated rsync-style: matched blocks cost a copy
// command, everything else is a literal; the command stream is gzipped as the bench's `rdiff | gzip` is).
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';

const gzipAsync = promisify(gzip);

export async function gzipBytes(data: Uint8Array): Promise<number> {
  return (await gzipAsync(data, { level: 6 })).length;
}

const B = 512;

export async function librsyncEstimate(old: Uint8Array, next: Uint8Array): Promise<number> {
  const blocks = Math.floor(old.length / B);
  if (blocks === 0) return gzipBytes(next);
  let bits = 1;
  while (1 << bits < blocks * 2) bits++;
  const mask = (1 << bits) - 1;
  const head = new Int32Array(1 << bits).fill(-1);
  const chain = new Int32Array(blocks);
  const weakOf = new Int32Array(blocks);
  for (let k = 0; k < blocks; k++) {
    let a = 0;
    let b = 0;
    for (let i = 0; i < B; i++) {
      a += old[k * B + i]!;
      b += (B - i) * old[k * B + i]!;
    }
    const w = (a & 0xffff) | ((b & 0xffff) << 16);
    weakOf[k] = w;
    const h = Math.imul(w, 0x9e3779b1) >>> (32 - bits);
    chain[k] = head[h & mask]!;
    head[h & mask] = k;
  }
  // The delta as rdiff would lay it out: literal runs (1+4 byte command plus the bytes), copy runs (13 bytes).
  const out = Buffer.allocUnsafe(next.length + 64 + Math.ceil(next.length / B) * 13);
  let o = 0;
  let litStart = 0;
  let lastCopyEnd = -1;
  let copyNext = -1; // old offset that would continue the current copy run
  let copyLenAt = 0;
  const flushLiteral = (end: number) => {
    if (end > litStart) {
      out[o++] = 0x41;
      out.writeUInt32LE(end - litStart, o);
      o += 4;
      o += Buffer.from(next.buffer, next.byteOffset + litStart, end - litStart).copy(out, o);
    }
  };
  let p = 0;
  let a = 0;
  let b = 0;
  const reset = () => {
    a = 0;
    b = 0;
    for (let i = 0; i < B && p + i < next.length; i++) {
      a += next[p + i]!;
      b += (B - i) * next[p + i]!;
    }
  };
  reset();
  while (p + B <= next.length) {
    const w = (a & 0xffff) | ((b & 0xffff) << 16);
    let k = head[(Math.imul(w, 0x9e3779b1) >>> (32 - bits)) & mask]!;
    let hit = -1;
    for (; k >= 0; k = chain[k]!) {
      if (weakOf[k] !== w) continue;
      if (Buffer.compare(Buffer.from(old.buffer, old.byteOffset + k * B, B), Buffer.from(next.buffer, next.byteOffset + p, B)) === 0) {
        hit = k;
        break;
      }
    }
    if (hit >= 0) {
      flushLiteral(p);
      if (lastCopyEnd !== p || hit * B !== copyNext) {
        // copy command: 1 byte, offset as 8 bytes, length as 4 bytes (grown while the run continues)
        out[o++] = 0x45;
        out.writeUInt32LE((hit * B) >>> 0, o);
        out.writeUInt32LE(Math.floor((hit * B) / 2 ** 32), o + 4);
        copyLenAt = o + 8;
        out.writeUInt32LE(0, copyLenAt);
        o += 12;
      }
      out.writeUInt32LE(out.readUInt32LE(copyLenAt) + B, copyLenAt);
      copyNext = hit * B + B;
      p += B;
      litStart = p;
      lastCopyEnd = p;
      reset();
      continue;
    }
    const x = next[p]!;
    const y = p + B < next.length ? next[p + B]! : 0;
    a = a - x + y;
    b = b - B * x + a;
    p++;
  }
  flushLiteral(next.length);
  return gzipBytes(out.subarray(0, o));
}
