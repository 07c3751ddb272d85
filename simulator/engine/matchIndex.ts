// The hash index of the old input that the match finder (matchFinder.ts) looks new positions up in: 8-byte
// grams of old, positions every 2-4 bytes, four per bucket, newest first, with a few hash bits kept in each slot
// so that most wrong candidates are skipped without reading old. Filled straight into the table when it fits the
// last-level cache, through cache-sized partitions when it does not. The fill is WebAssembly (wasm/indexFill.ts).
import { indexFillWasm } from './wasm/indexFill.wasm.js';

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
export const WAYS = 4; // positions kept per bucket, newest first
const M1 = 0x2545f491;
const M2 = 0x9e3779b1;
// Old bytes copied into the fill's module at a time.
const CHUNK = 1 << 20;
/** Hash of the K = 8 bytes at p (little-endian words: DataView reads them in one load each). */
export function hashAt(view: DataView, p: number): number {
  return Math.imul(view.getInt32(p, true) ^ Math.imul(view.getInt32(p + 4, true), M1), M2);
}

interface IndexFill {
  memory: WebAssembly.Memory;
  heapBase(): number;
  fillDirect(table: number, shift: number, tagBits: number, chunk: number, c0: number, from: number, to: number, stride: number): void;
  countParts(starts: number, shift: number, partShift: number, chunk: number, c0: number, from: number, to: number, stride: number): void;
  scatter(
    starts: number,
    pairs: number,
    shift: number,
    partShift: number,
    tagBits: number,
    chunk: number,
    c0: number,
    from: number,
    to: number,
    stride: number,
  ): void;
  fillFromPairs(table: number, pairs: number, m: number): void;
}

let fillModule: WebAssembly.Module | undefined;
// One instance kept for the next index while its memory (which holds the table) is small: a delta indexes each
// program of a layer on its own, hundreds in a layer of libraries, and a fresh instance's memory is fresh pages
// for each. Larger ones are freed with their index (a module's memory never shrinks).
const KEEP_MEMORY = 16 << 20;
let spare: IndexFill | undefined;

/** An instance of the fill (WebAssembly, wasm/indexFill.ts), the spare one if there is one. */
function takeFill(): IndexFill {
  const kept = spare;
  spare = undefined;
  if (kept) return kept;
  fillModule ??= new WebAssembly.Module(Buffer.from(indexFillWasm, 'base64'));
  return new WebAssembly.Instance(fillModule).exports as unknown as IndexFill;
}

/** Grows `fill`'s memory to hold `end` bytes. */
function reserve(fill: IndexFill, end: number): void {
  const need = end - fill.memory.buffer.byteLength;
  if (need > 0) fill.memory.grow(Math.ceil(need / 65536));
}

/** Calls `each(c0, from, to)` over the positions a, a + stride, ... up to `last`, a chunk of old at a time (old's
 *  bytes from c0 copied to `chunk` in the module first), newest first when `descending`. */
function inChunks(
  fill: IndexFill,
  old: Uint8Array,
  chunk: number,
  a: number,
  last: number,
  stride: number,
  descending: boolean,
  each: (c0: number, from: number, to: number) => void,
): void {
  if (last < a) return;
  const span = Math.floor((CHUNK - K) / stride) * stride; // from a chunk's first position to its last
  const copy = (lo: number, hi: number) => new Uint8Array(fill.memory.buffer, chunk, hi + K - lo).set(old.subarray(lo, hi + K));
  if (descending) {
    for (let hi = a + Math.floor((last - a) / stride) * stride; hi >= a;) {
      const lo = Math.max(a + Math.ceil((hi - span - a) / stride) * stride, a);
      copy(lo, hi);
      each(lo, hi, lo);
      hi = lo - stride;
    }
  } else {
    for (let lo = a; lo <= last;) {
      const hi = Math.min(lo + span, a + Math.floor((last - a) / stride) * stride);
      copy(lo, hi);
      each(lo, lo, hi);
      lo = hi + stride;
    }
  }
}

/** Old positions every `stride` bytes, hashed into buckets of four (newest first), stored +1 so that 0 means
 *  empty. The table has about one slot per 8 old bytes and the stride is chosen so that about two positions
 *  compete for each slot (measured on the corpus: a sparser, larger table gives bigger deltas and more cache
 *  misses). A match of K + stride - 1 bytes is always found. Ranges in `skip` (old files identical to their
 *  new counterpart, reachable through hints anyway) are left out. The table is a view of the fill's memory. */
export interface MatchIndex {
  table: Int32Array;
  shift: number;
  tagBits: number;
  /** Done with the table: its instance may serve the next index (the table must not be read after). */
  release(): void;
}

export function buildIndex(old: Uint8Array, ranges: Int32Array, sparse: number): MatchIndex {
  // ranges: (start, end, stride multiple) triples
  let covered = 0;
  for (let r = 0; r < ranges.length; r += 3) covered += (ranges[r + 1]! - ranges[r]!) / ranges[r + 2]!;
  const bits = Math.max(10, Math.min(MAX_TABLE_BITS, Math.ceil(Math.log2(Math.max(1, covered / 32))) - sparse));
  const shift = 32 - bits;
  const base = Math.max(1, Math.ceil(covered / 8 / (1 << bits)));
  // spare high bits of each slot hold low hash bits, so most wrong candidates are skipped without reading old
  const tagBits = Math.max(0, Math.min(8, 31 - Math.ceil(Math.log2(old.length + 2))));
  const fill = takeFill();
  const table = (fill.heapBase() + 7) & ~7;
  const slots = WAYS << bits;
  const chunk = table + 4 * slots;
  const chunkEnd = chunk + CHUNK + 8;
  reserve(fill, chunkEnd);
  new Int32Array(fill.memory.buffer, table, slots).fill(0); // a spare instance holds its last table
  const done = (): MatchIndex => ({
    table: new Int32Array(fill.memory.buffer, table, slots),
    shift,
    tagBits,
    release: () => {
      if (fill.memory.buffer.byteLength <= KEEP_MEMORY) spare = fill;
    },
  });
  if (bits <= DIRECT_BITS) {
    // Newest first: each bucket takes the first four positions that reach it, older ones are dropped.
    for (let r = ranges.length - 3; r >= 0; r -= 3) {
      const stride = base * ranges[r + 2]!;
      inChunks(fill, old, chunk, ranges[r]!, ranges[r + 1]! - K, stride, true, (c0, from, to) =>
        fill.fillDirect(table, shift, tagBits, chunk, c0, from, to, stride),
      );
    }
    return done();
  }
  // Inserting straight into a larger table misses the cache on every position. Instead the positions are
  // counted per partition (the top bits of their bucket), scattered into their partitions (a few hundred
  // sequential streams of (bucket, slot value) pairs, side by side so that a partition is one stream), then
  // each partition fills its own slice of the table, which stays in cache. Positions keep their order inside
  // a partition; filled from the newest back, each bucket takes the first four that reach it and the older
  // ones are dropped unwritten: exactly the table direct insertion (newest first, shifting) would build.
  const partBits = Math.max(0, Math.min(10, bits - 11));
  const partShift = bits - partBits;
  const parts = 1 << partBits;
  const starts = chunkEnd;
  const pairs = starts + 4 * (parts + 1);
  reserve(fill, pairs);
  const counts = new Int32Array(fill.memory.buffer, starts, parts + 1);
  counts.fill(0);
  const eachRange = (work: (c0: number, from: number, to: number, stride: number) => void) => {
    for (let r = 0; r < ranges.length; r += 3) {
      const stride = base * ranges[r + 2]!;
      inChunks(fill, old, chunk, ranges[r]!, ranges[r + 1]! - K, stride, false, (c0, from, to) => work(c0, from, to, stride));
    }
  };
  eachRange((c0, from, to, stride) => fill.countParts(starts, shift, partShift, chunk, c0, from, to, stride));
  for (let k = 1; k <= parts; k++) counts[k]! += counts[k - 1]!;
  const m = counts[parts]!;
  reserve(fill, pairs + 8 * m);
  // the hashes are computed again rather than kept
  eachRange((c0, from, to, stride) => fill.scatter(starts, pairs, shift, partShift, tagBits, chunk, c0, from, to, stride));
  fill.fillFromPairs(table, pairs, m);
  return done();
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
