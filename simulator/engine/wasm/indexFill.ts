// AssemblyScript, compiled ahead of time to WebAssembly (scripts/build-wasm.mjs writes indexFill.wasm.ts): the
// fill of the match finder's hash index (../matchIndex.ts says what the index holds and why). In JavaScript this
// loop ran at full speed only once V8 had compiled it, about a quarter of a delta's creation in a new process.
//
// The table lives in this module's memory (the match finder reads it there); old is copied in a chunk at a time,
// `chunk` holding old's bytes from `c0` on. Slot values and their order are exactly those of the JavaScript fill.

const WAYS = 4;
const M1: i32 = 0x2545f491;
const M2: i32 = 0x9e3779b1;
const BATCH = 8; // positions whose buckets are read together, so that their cache misses overlap

/** Where the loads that only warm the cache go, so that the optimiser keeps them. */
export let touched: i32 = 0;

/** Where dynamic memory starts: the caller lays out the table, the chunk and the partitions from here. */
export function heapBase(): usize {
  return __heap_base;
}

function hashAt(at: usize): i32 {
  return (load<i32>(at) ^ (load<i32>(at + 4) * M1)) * M2;
}

/** Puts `value` in the first free slot of bucket `h` (an index into the table), unless the bucket is full. */
function insert(table: usize, h: i32, value: i32): void {
  const bucket = table + ((<usize>h) << 2);
  if (load<i32>(bucket + ((WAYS - 1) << 2)) != 0) return;
  let w = bucket;
  while (load<i32>(w) != 0) w += 4;
  store<i32>(w, value);
}

/** Inserts old positions `from`, `from - stride`, ... down to `to` (newest first), straight into the table. */
export function fillDirect(table: usize, shift: i32, tagBits: i32, chunk: usize, c0: i32, from: i32, to: i32, stride: i32): void {
  const tagMask = (1 << tagBits) - 1;
  let t = touched;
  for (let p = from; p >= to;) {
    // the buckets of the next batch first (independent loads), then the inserts
    const count = min(BATCH, (p - to) / stride + 1);
    for (let i = 0, q = p; i < count; i++, q -= stride)
      t ^= load<i32>(table + ((<usize>(((<u32>hashAt(chunk + q - c0)) >>> shift) * WAYS + WAYS - 1)) << 2));
    for (let i = 0; i < count; i++, p -= stride) {
      const x = hashAt(chunk + p - c0);
      insert(table, ((<u32>x) >>> shift) * WAYS, (p + 1) * (tagMask + 1) + (x & tagMask));
    }
  }
  touched = t;
}

/** Counts old positions `from`, `from + stride`, ... up to `to` per partition (the top bits of their bucket), in
 *  `starts` (an i32 per partition, shifted by one: starts[part + 1]). */
export function countParts(starts: usize, shift: i32, partShift: i32, chunk: usize, c0: i32, from: i32, to: i32, stride: i32): void {
  for (let p = from; p <= to; p += stride) {
    const at = starts + ((((<usize>((<u32>hashAt(chunk + p - c0)) >>> shift)) >>> partShift) + 1) << 2);
    store<i32>(at, load<i32>(at) + 1);
  }
}

/** Scatters old positions `from` ... `to` (ascending) into their partitions' streams of (bucket, slot value)
 *  pairs at `pairs`, `starts` holding each partition's next pair. */
export function scatter(
  starts: usize,
  pairs: usize,
  shift: i32,
  partShift: i32,
  tagBits: i32,
  chunk: usize,
  c0: i32,
  from: i32,
  to: i32,
  stride: i32,
): void {
  const tagMask = (1 << tagBits) - 1;
  for (let p = from; p <= to; p += stride) {
    const x = hashAt(chunk + p - c0);
    const h = (<u32>x) >>> shift;
    const slot = starts + ((<usize>(h >>> partShift)) << 2);
    const k = load<i32>(slot);
    store<i32>(slot, k + 1);
    const at = pairs + ((<usize>k) << 3);
    store<i32>(at, h * WAYS);
    store<i32>(at + 4, (p + 1) * (tagMask + 1) + (x & tagMask));
  }
}

/** Fills the table from `m` pairs, the newest (last) first: each bucket takes the first four that reach it. */
export function fillFromPairs(table: usize, pairs: usize, m: i32): void {
  for (let k = m - 1; k >= 0; k--) {
    const at = pairs + ((<usize>k) << 3);
    insert(table, load<i32>(at), load<i32>(at + 4));
  }
}
