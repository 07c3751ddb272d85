// Zero-run coding for the diff section, which is mostly zero bytes (exact matches) with scattered non-zero
// ones (changed bytes in approximate matches): pairs (zero run, literal run) as varints, then the literals.
// Shrinks what brotli has to chew through by orders of magnitude on near-identical inputs.
import { ByteSink, VarintReader } from './varint.js';
import { corrupt } from '../shared/errors.js';

export function encodeZeroRuns(src: Uint8Array): Uint8Array {
  const out = new ByteSink(Math.max(1024, src.length >> 4));
  let i = 0;
  const n = src.length;
  const words = src.byteOffset % 4 === 0 ? new Int32Array(src.buffer, src.byteOffset, n >> 2) : undefined;
  while (i < n) {
    const z0 = i;
    while (i < n && src[i] === 0) {
      i++;
      if (words && (i & 3) === 0) while (i + 4 <= n && words[i >> 2] === 0) i += 4;
    }
    const l0 = i;
    // a literal run ends at the first run of 3+ zeros (shorter zero runs stay inside the literal)
    while (i < n && !(src[i] === 0 && src[i + 1] === 0 && src[i + 2] === 0)) i++;
    if (i > n) i = n;
    out.uint(l0 - z0);
    out.uint(i - l0);
    for (let k = l0; k < i; k++) out.byte(src[k]!);
  }
  return out.bytes();
}

export function decodeZeroRuns(src: Uint8Array, rawLen: number): Buffer {
  const out = Buffer.alloc(rawLen);
  const r = new VarintReader(src);
  let o = 0;
  while (r.remaining > 0) {
    const zeros = r.uint();
    const lit = r.uint();
    if (zeros > rawLen - o || lit > rawLen - o - zeros || lit > r.remaining) throw corrupt('delta diff section runs exceed its length');
    o += zeros;
    out.set(src.subarray(r.pos, r.pos + lit), o);
    r.pos += lit;
    o += lit;
  }
  if (o !== rawLen) throw corrupt('delta diff section runs do not add up');
  return out;
}
