// The hash index of the old input that the match finder (matchFinder.ts) looks new positions up in: 8-byte
// grams of old, positions every 2-4 bytes, four per bucket, newest first, with a few hash bits kept in each slot
// so that most wrong candidates are skipped without reading old. Filled straight into the table when it fits the
// last-level cache, through cache-sized partitions when it does not. The fill is WebAssembly (wasm/matching.ts), and
// the table, old and the match finder's other regions live in that module's memory.
import { matchingWasm } from './wasm/matching.wasm.js';
import { WasmInstances } from './wasmInstances.js';

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

/** Hash of the K = 8 bytes at p (little-endian words: DataView reads them in one load each). */
export function hashAt(view: DataView, p: number): number {
  return Math.imul(view.getInt32(p, true) ^ Math.imul(view.getInt32(p + 4, true), M1), M2);
}

/** The exports of wasm/matching.ts. */
export interface Matching {
  memory: WebAssembly.Memory;
  heapBase(): number;
  fillDirect(table: number, shift: number, tagBits: number, old: number, from: number, to: number, stride: number): void;
  countParts(starts: number, shift: number, partShift: number, old: number, from: number, to: number, stride: number): void;
  scatter(
    starts: number,
    pairs: number,
    shift: number,
    partShift: number,
    tagBits: number,
    old: number,
    from: number,
    to: number,
    stride: number,
  ): void;
  fillFromPairs(table: number, pairs: number, m: number): void;
  begin(
    old: number,
    oldN: number,
    next: number,
    n: number,
    indexed: boolean,
    table: number,
    shift: number,
    tagBits: number,
    hints: number,
    hintsLength: number,
    out: number,
    capacity: number,
    warm: number,
  ): void;
  scan(): number;
  outCount: WebAssembly.Global;
  scanAt: WebAssembly.Global;
}

// A layer of libraries indexes hundreds of programs, one after another: one instance (up to 16 MiB of memory) is
// kept for the next.
const matching = new WasmInstances<Matching>(matchingWasm, 16 << 20);

/** Grows `m`'s memory to hold `end` bytes. */
export function reserve(m: Matching, end: number): void {
  const need = end - m.memory.buffer.byteLength;
  if (need > 0) m.memory.grow(Math.ceil(need / 65536));
}

const align8 = (a: number) => Math.ceil(a / 8) * 8;

/** Old and its index in a module's memory: the table at `table` (WAYS << bits i32s), old's bytes at `old`; the
 *  memory from `free` on is the caller's. */
export interface MatchIndex {
  m: Matching;
  indexed: boolean;
  table: number;
  slots: number;
  shift: number;
  tagBits: number;
  old: number;
  free: number;
  /** Done with the index: its instance may serve the next one. */
  release(): void;
}

/** Old positions every `stride` bytes, hashed into buckets of four (newest first), stored +1 so that 0 means
 *  empty. The table has about one slot per 8 old bytes and the stride is chosen so that about two positions
 *  compete for each slot (measured on the corpus: a sparser, larger table gives bigger deltas and more cache
 *  misses). A match of K + stride - 1 bytes is always found. Ranges in `skip` (old files identical to their
 *  new counterpart, reachable through hints anyway) are left out. Old shorter than K has no index (indexed
 *  false, an empty bucket). */
export function buildIndex(old: Uint8Array, ranges: Int32Array, sparse: number): MatchIndex {
  // ranges: (start, end, stride multiple) triples
  let covered = 0;
  for (let r = 0; r < ranges.length; r += 3) covered += (ranges[r + 1]! - ranges[r]!) / ranges[r + 2]!;
  const indexed = old.length >= K;
  const bits = indexed ? Math.max(10, Math.min(MAX_TABLE_BITS, Math.ceil(Math.log2(Math.max(1, covered / 32))) - sparse)) : 0;
  const shift = indexed ? 32 - bits : 31;
  const base = Math.max(1, Math.ceil(covered / 8 / (1 << bits)));
  // spare high bits of each slot hold low hash bits, so most wrong candidates are skipped without reading old
  const tagBits = indexed ? Math.max(0, Math.min(8, 31 - Math.ceil(Math.log2(old.length + 2)))) : 0;
  const m = matching.take();
  const table = align8(m.heapBase());
  const slots = WAYS << bits;
  const oldAt = table + 4 * slots;
  const free = align8(oldAt + old.length + 8);
  reserve(m, free);
  new Int32Array(m.memory.buffer, table, slots).fill(0); // a spare instance holds its last table
  new Uint8Array(m.memory.buffer, oldAt, old.length).set(old);
  const index: MatchIndex = {
    m,
    indexed,
    table,
    slots,
    shift,
    tagBits,
    old: oldAt,
    free,
    release: () => {
      matching.giveBack(m);
    },
  };
  if (!indexed) return index;
  if (bits <= DIRECT_BITS) {
    // Newest first: each bucket takes the first four positions that reach it, older ones are dropped.
    for (let r = ranges.length - 3; r >= 0; r -= 3) {
      const a = ranges[r]!;
      const last = ranges[r + 1]! - K;
      const stride = base * ranges[r + 2]!;
      if (last >= a) m.fillDirect(table, shift, tagBits, oldAt, a + Math.floor((last - a) / stride) * stride, a, stride);
    }
    return index;
  }
  // Inserting straight into a larger table misses the cache on every position. Instead the positions are
  // counted per partition (the top bits of their bucket), scattered into their partitions (a few hundred
  // sequential streams of (bucket, slot value) pairs, side by side so that a partition is one stream), then
  // each partition fills its own slice of the table, which stays in cache. Positions keep their order inside
  // a partition; filled from the newest back, each bucket takes the first four that reach it and the older
  // ones are dropped unwritten: exactly the table direct insertion (newest first, shifting) would build.
  // The partitions' counts and pairs lie past old, in memory the caller takes over afterwards.
  const partBits = Math.max(0, Math.min(10, bits - 11));
  const partShift = bits - partBits;
  const parts = 1 << partBits;
  const starts = free;
  const pairs = starts + 4 * (parts + 1);
  reserve(m, pairs);
  const counts = new Int32Array(m.memory.buffer, starts, parts + 1);
  counts.fill(0);
  const eachRange = (work: (from: number, to: number, stride: number) => void) => {
    for (let r = 0; r < ranges.length; r += 3) {
      const a = ranges[r]!;
      const last = ranges[r + 1]! - K;
      const stride = base * ranges[r + 2]!;
      if (last >= a) work(a, a + Math.floor((last - a) / stride) * stride, stride);
    }
  };
  eachRange((from, to, stride) => m.countParts(starts, shift, partShift, oldAt, from, to, stride));
  for (let k = 1; k <= parts; k++) counts[k]! += counts[k - 1]!;
  const total = counts[parts]!;
  reserve(m, pairs + 8 * total);
  // the hashes are computed again rather than kept
  eachRange((from, to, stride) => m.scatter(starts, pairs, shift, partShift, tagBits, oldAt, from, to, stride));
  m.fillFromPairs(table, pairs, total);
  return index;
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
