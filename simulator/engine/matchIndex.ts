// The hash index of the old input that the match finder (matchFinder.ts) looks new positions up in: 8-byte
// grams of old, positions every 2-4 bytes, four per bucket, newest first, with a few hash bits kept in each slot
// so that most wrong candidates are skipped without reading old. Filled straight into the table when it fits the
// last-level cache, through cache-sized partitions when it does not.
export const K = 8; // bytes hashed per index entry: the shortest match the index can find
const MAX_TABLE_BITS = 23;
// Tables up to 2^20 buckets (16 MiB) are filled straight: they stay in the last-level cache, where that costs
// less than the partitioned fill (measured on the five public pairs, tables of 8-16 MiB: creation CPU 8 %
// lower, same deltas); a 64 MiB table (a 68 MB input) came out even, so larger ones are partitioned.
const DIRECT_BITS = 20;
// Programs are indexed at twice the stride: after the prediction most of a program's code is where the new
// program has it (reached through the tar hint and the current alignment), so the index is needed less there.
// Measured on the five public pairs (load 6-8): creation CPU 9 % lower, deltas of the four ELF pairs 0.3-8 %
// larger (0.55x -> 0.56x bsdiff), typescript's unchanged; 4 times was no faster and up to 20 % larger.
const COARSE_STRIDE = 2;
// Positions whose buckets are read ahead together while the index is filled (measured 1, 8, 16, 32: the fill
// of a 13 MB basis took 15-25 % less CPU with 8-16 than one at a time; noisy, the machine was shared).
const FILL_BATCH = 8;
export const WAYS = 4; // positions kept per bucket, newest first
const M1 = 0x2545f491;
const M2 = 0x9e3779b1;
/** Where the read-ahead loads go, so that the compiler cannot drop them. */
let _fillSink = 0;

/** Hash of the K = 8 bytes at p (little-endian words: DataView reads them in one load each). */
export function hashAt(view: DataView, p: number): number {
  return Math.imul(view.getInt32(p, true) ^ Math.imul(view.getInt32(p + 4, true), M1), M2);
}

/** Old positions every `stride` bytes, hashed into buckets of four (newest first), stored +1 so that 0 means
 *  empty. The table has about one slot per 8 old bytes and the stride is chosen so that about two positions
 *  compete for each slot (measured on the corpus: a sparser, larger table gives bigger deltas and more cache
 *  misses). A match of K + stride - 1 bytes is always found. Ranges in `skip` (old files identical to their
 *  new counterpart, reachable through hints anyway) are left out. */
export function buildIndex(old: Uint8Array, ranges: Int32Array, sparse: number): { table: Int32Array; shift: number; tagBits: number } {
  // ranges: (start, end, stride multiple) triples
  let covered = 0;
  for (let r = 0; r < ranges.length; r += 3) covered += (ranges[r + 1]! - ranges[r]!) / ranges[r + 2]!;
  const bits = Math.max(10, Math.min(MAX_TABLE_BITS, Math.ceil(Math.log2(Math.max(1, covered / 32))) - sparse));
  const shift = 32 - bits;
  const t = new Int32Array(WAYS << bits);
  const base = Math.max(1, Math.ceil(covered / 8 / (1 << bits)));
  // spare high bits of each slot hold low hash bits, so most wrong candidates are skipped without reading old
  const tagBits = Math.max(0, Math.min(8, 31 - Math.ceil(Math.log2(old.length + 2))));
  const tagMask = (1 << tagBits) - 1;
  const view = new DataView(old.buffer, old.byteOffset, old.length);
  if (bits <= DIRECT_BITS) {
    // Newest first: each bucket takes the first four positions that reach it, older ones are dropped. Each
    // bucket read misses the cache, so the buckets of a batch of positions are read first in a loop of
    // independent loads (the misses overlap), then the batch is inserted from cache.
    const hs = new Int32Array(FILL_BATCH);
    for (let r = ranges.length - 3; r >= 0; r -= 3) {
      const a = ranges[r]!;
      const last = ranges[r + 1]! - K;
      const stride = base * ranges[r + 2]!;
      if (last < a) continue;
      let p = a + (((last - a) / stride) | 0) * stride;
      while (p >= a) {
        const count = Math.min(FILL_BATCH, ((p - a) / stride + 1) | 0);
        let touched = 0;
        for (let i = 0, q = p; i < count; i++, q -= stride) {
          const x = hashAt(view, q);
          hs[i] = x;
          touched ^= t[(x >>> shift) * WAYS + WAYS - 1]!;
        }
        _fillSink ^= touched;
        for (let i = 0; i < count; i++, p -= stride) {
          const x = hs[i]!;
          const h = (x >>> shift) * WAYS;
          if (t[h + WAYS - 1] !== 0) continue;
          let w = h;
          while (t[w] !== 0) w++;
          t[w] = (p + 1) * (tagMask + 1) + (x & tagMask);
        }
      }
    }
    return { table: t, shift, tagBits };
  }
  // Inserting straight into a larger table misses the cache on every position. Instead the positions are
  // counted per partition (the top bits of their bucket), scattered into their partitions (a few hundred
  // sequential streams of (bucket, slot value) pairs, side by side so that a partition is one stream), then
  // each partition fills its own slice of the table, which stays in cache. Positions keep their order inside
  // a partition; filled from the newest back, each bucket takes the first four that reach it and the older
  // ones are dropped unwritten: exactly the table direct insertion (newest first, shifting) would build.
  const partBits = Math.max(0, Math.min(10, bits - 11));
  const partShift = bits - partBits;
  const starts = new Int32Array((1 << partBits) + 1);
  for (let r = 0; r < ranges.length; r += 3) {
    const stride = base * ranges[r + 2]!;
    for (let p = ranges[r]!, b = ranges[r + 1]!; p <= b - K; p += stride) starts[((hashAt(view, p) >>> shift) >>> partShift) + 1]!++;
  }
  for (let k = 1; k < starts.length; k++) starts[k]! += starts[k - 1]!;
  const m = starts[starts.length - 1]!;
  // the hashes are computed again rather than kept
  const pairs = new Int32Array(2 * m);
  for (let r = 0; r < ranges.length; r += 3) {
    const stride = base * ranges[r + 2]!;
    for (let p = ranges[r]!, b = ranges[r + 1]!; p <= b - K; p += stride) {
      const x = hashAt(view, p);
      const h = x >>> shift;
      const at = 2 * starts[h >>> partShift]!++;
      pairs[at] = h * WAYS;
      pairs[at + 1] = (p + 1) * (tagMask + 1) + (x & tagMask);
    }
  }
  for (let k = 2 * m - 2; k >= 0; k -= 2) {
    const h = pairs[k]!;
    if (t[h + WAYS - 1] !== 0) continue;
    let w = h;
    while (t[w] !== 0) w++;
    t[w] = pairs[k + 1]!;
  }
  return { table: t, shift, tagBits };
}

/** Old ranges to index as (start, end, stride multiple) triples: all of old but the `skip` ranges, the
 *  `coarse` ones (sorted, disjoint) at COARSE_STRIDE times the stride. */
export function indexedRanges(oldN: number, skip: readonly [number, number][], coarse: readonly [number, number][]): Int32Array {
  const kept: [number, number][] = [];
  let at = 0;
  for (const [a, b] of [...skip].sort((x, y) => x[0] - y[0])) {
    if (a > at) kept.push([at, a]);
    at = Math.max(at, b);
  }
  if (at < oldN) kept.push([at, oldN]);
  const out: number[] = [];
  let j = 0;
  for (const [a, b] of kept) {
    while (j < coarse.length && coarse[j]![1] <= a) j++;
    let cursor = a;
    for (let k = j; k < coarse.length && coarse[k]![0] < b; k++) {
      const from = Math.max(coarse[k]![0], cursor);
      const to = Math.min(coarse[k]![1], b);
      if (to <= from) continue;
      if (from > cursor) out.push(cursor, from, 1);
      out.push(from, to, COARSE_STRIDE);
      cursor = to;
    }
    if (cursor < b) out.push(cursor, b, 1);
  }
  return Int32Array.from(out);
}
