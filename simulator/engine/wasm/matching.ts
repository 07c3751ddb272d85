// AssemblyScript, compiled ahead of time to WebAssembly (scripts/build-wasm.mjs writes matching.wasm.ts): the
// match finder's loops, the fill of its hash index and the scan (../matchIndex.ts and ../matchFinder.ts say
// what they do and why). In JavaScript they ran at full speed only once V8 had watched them run and compiled
// them, which every new process paid for again: most of a delta's creation CPU in a fresh process.
//
// The caller copies old and new into this module's memory and lays out the table, the hints and a buffer of
// triples there. The scan stops when the buffer is full or a progress report is due, and goes on from where it
// stopped at the next call. Byte reads past either input compare as JavaScript's `undefined` did (equal to each
// other, to nothing else), so that the matches are exactly those of the JavaScript matcher.

const K = 8; // bytes hashed per index entry
const WAYS = 4; // positions per bucket, newest first
const M1: i32 = 0x2545f491;
const M2: i32 = 0x9e3779b1;
const BATCH = 8; // positions whose buckets are read together while the index is filled
// Index lookups miss the cache (the table and old are tens of megabytes), and made one by one, each waits for
// memory in turn. So when a lookup is due, the buckets of the next WARM positions are read first in a tight loop
// of independent loads, then the old bytes their candidates point at: the misses overlap.
const WARM = 8;
// A new alignment must beat the current one by this many bytes: little when it is near the current one or
// one used recently (cheap to code, typical of relocated code), more when it jumps somewhere new (typical of
// text, where short far matches cost more in control bytes than the literals they replace).
const NEAR_GAIN = 8;
const FAR_GAIN = 16;
const NEAR: i64 = 256;
// Backward extension stops once mismatches lead matches by this much more than at the best point so far
// (bsdiff walks back to the previous match, a pass over every long unchanged region). Forward extension
// cannot stop early: it is what covers regions that stayed at the current alignment.
const GIVE_UP = 512;
// The current alignment "holds" where at least HOLD_MIN of the next HOLD_WINDOW bytes agree: no lookup there
// (a lookup is a cache miss; a better alignment, if any, is found where this one stops holding). Measured on a
// rebuilt binary: three lookups in four saved, for deltas 0.5 % larger.
const HOLD_WINDOW = 16;
const HOLD_MIN = 8;
const PROGRESS_STEP = 1 << 20;

/** Where the loads that only warm the cache go, so that the optimiser keeps them. */
export let touched: i32 = 0;

/** Where dynamic memory starts: the caller lays out its regions from here. */
export function heapBase(): usize {
  return __heap_base;
}

function hashAt(at: usize): i32 {
  return (load<i32>(at) ^ (load<i32>(at + 4) * M1)) * M2;
}

// ---- the index fill ----

/** Puts `value` in the first free slot of bucket `h` (an index into the table), unless the bucket is full. */
function insert(table: usize, h: i32, value: i32): void {
  const bucket = table + ((<usize>h) << 2);
  if (load<i32>(bucket + ((WAYS - 1) << 2)) != 0) return;
  let w = bucket;
  while (load<i32>(w) != 0) w += 4;
  store<i32>(w, value);
}

/** Inserts old positions `from`, `from - stride`, ... down to `to` (newest first), straight into the table. */
export function fillDirect(table: usize, shift: i32, tagBits: i32, old: usize, from: i32, to: i32, stride: i32): void {
  const tagMask = (1 << tagBits) - 1;
  let t = touched;
  for (let p = from; p >= to;) {
    // the buckets of the next batch first (independent loads), then the inserts
    const count = min(BATCH, (p - to) / stride + 1);
    for (let i = 0, q = p; i < count; i++, q -= stride)
      t ^= load<i32>(table + ((<usize>(((<u32>hashAt(old + q)) >>> shift) * WAYS + WAYS - 1)) << 2));
    for (let i = 0; i < count; i++, p -= stride) {
      const x = hashAt(old + p);
      insert(table, ((<u32>x) >>> shift) * WAYS, (p + 1) * (tagMask + 1) + (x & tagMask));
    }
  }
  touched = t;
}

/** Counts old positions `from`, `from + stride`, ... up to `to` per partition (the top bits of their bucket), in
 *  `starts` (an i32 per partition, shifted by one: starts[part + 1]). */
export function countParts(starts: usize, shift: i32, partShift: i32, old: usize, from: i32, to: i32, stride: i32): void {
  for (let p = from; p <= to; p += stride) {
    const at = starts + ((((<usize>((<u32>hashAt(old + p)) >>> shift)) >>> partShift) + 1) << 2);
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
  old: usize,
  from: i32,
  to: i32,
  stride: i32,
): void {
  const tagMask = (1 << tagBits) - 1;
  for (let p = from; p <= to; p += stride) {
    const x = hashAt(old + p);
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

// ---- the scan ----

let old: usize = 0;
let oldN: i32 = 0;
let next: usize = 0;
let n: i32 = 0;
let table: usize = 0;
let shift: i32 = 31;
let tagBits: i32 = 0;
let tagMask: i32 = 0;
let indexed = false;
let hints: usize = 0; // (newStart, newEnd, oldStart) triples of i32
let hintsLength: i32 = 0; // in i32s
let warmHashes: usize = 0; // WARM i32s
let out: usize = 0; // triples (addLen, extraLen, newStart, oldStart) of i32
let outCapacity: i32 = 0;

/** Triples written by the last call of `scan`. */
export let outCount: i32 = 0;
/** Where the scan is in new (the progress a report gives). */
export let scanAt: i32 = 0;

// the scan's state between calls
let len: i32 = 0;
let lastScan: i32 = 0;
let lastPos: i32 = 0;
let lastOffset: i32 = 0;
let pos: i32 = 0;
let recent0: i32 = 0;
let recent1: i32 = 0;
let recent2: i32 = 0;
let recent3: i32 = 0;
let reportAt: i32 = 0;
let hintIdx: i32 = 0;
let warmFrom: i32 = 0;
let warmUntil: i32 = 0;
/** Where the last search's best match starts in old. */
let found: i32 = 0;

/** Sets up a scan of new (`nn` bytes at `np`) against old (`on` bytes at `op`), its index (`indexedOld`: a table
 *  at `t`) and hints, triples going to `o` (room for `capacity`), WARM i32s of scratch at `w`. */
export function begin(
  op: usize,
  on: i32,
  np: usize,
  nn: i32,
  indexedOld: bool,
  t: usize,
  tableShift: i32,
  tableTagBits: i32,
  h: usize,
  hLength: i32,
  o: usize,
  capacity: i32,
  w: usize,
): void {
  old = op;
  oldN = on;
  next = np;
  n = nn;
  indexed = indexedOld;
  table = t;
  shift = tableShift;
  tagBits = tableTagBits;
  tagMask = (1 << tableTagBits) - 1;
  hints = h;
  hintsLength = hLength;
  out = o;
  outCapacity = capacity;
  warmHashes = w;
  outCount = 0;
  scanAt = 0;
  len = 0;
  lastScan = 0;
  lastPos = 0;
  lastOffset = 0;
  pos = 0;
  recent0 = 0;
  recent1 = 0;
  recent2 = 0;
  recent3 = 0;
  reportAt = 0;
  hintIdx = 0;
  warmFrom = 0;
  warmUntil = 0;
  found = 0;
}

/** old[i], or -1 outside old (JavaScript's undefined: equal to another undefined, to no byte). */
function oldAt(i: i32): i32 {
  return i >= 0 && i < oldN ? <i32>load<u8>(old + i) : -1;
}

function nextAt(i: i32): i32 {
  return i >= 0 && i < n ? <i32>load<u8>(next + i) : -1;
}

function hint(i: i32): i32 {
  return load<i32>(hints + ((<usize>i) << 2));
}

/** Length of the exact match of old[o..] and next[s..]. */
function matchLen(o: i32, s: i32): i32 {
  const max = min(oldN - o, n - s);
  let l = 0;
  while (l + 8 <= max) {
    const x = load<u64>(old + o + l) ^ load<u64>(next + s + l);
    if (x != 0) return l + <i32>(ctz(x) >> 3);
    l += 8;
  }
  while (l < max && load<u8>(old + o + l) == load<u8>(next + s + l)) l++;
  return max > 0 ? l : 0;
}

function warm(from: i32): void {
  const end = min(n - K + 1, from + WARM);
  let t = touched;
  for (let p = from; p < end; p++) {
    const x = hashAt(next + p);
    store<i32>(warmHashes + ((<usize>(p - from)) << 2), x);
    t ^= load<i32>(table + ((<usize>(((<u32>x) >>> shift) * WAYS)) << 2));
  }
  for (let i = 0; i < end - from; i++) {
    const x = load<i32>(warmHashes + ((<usize>i) << 2));
    const h = ((<u32>x) >>> shift) * WAYS;
    const tag = x & tagMask;
    for (let k = h; k < h + WAYS; k++) {
      const v = load<i32>(table + ((<usize>k) << 2));
      if (v != 0 && (v & tagMask) == tag) t ^= oldAt(<i32>((<u32>v) >>> tagBits) - 1);
    }
  }
  touched = t;
  warmFrom = from;
  warmUntil = end;
}

/** Whether old[o..] and next[s..] agree on most of the next HOLD_WINDOW bytes. */
function alignmentHolds(o: i32, s: i32): bool {
  if (o < 0 || o + HOLD_WINDOW > oldN || s + HOLD_WINDOW > n) return false;
  let differ = 0;
  for (let j = 0; j < HOLD_WINDOW; j += 4) {
    const x = load<i32>(old + o + j) ^ load<i32>(next + s + j);
    const nonZero = ((((x & 0x7f7f7f7f) + 0x7f7f7f7f) | x) >>> 7) & 0x01010101;
    differ += <i32>((<u32>(nonZero * 0x01010101)) >>> 24);
  }
  return differ <= HOLD_WINDOW - HOLD_MIN;
}

/** Longest exact match at next[at..] among the current alignment, the hint and the index bucket; its old
 *  position is left in `found`. */
function search(at: i32, offset: i32): i32 {
  let best = 0;
  let bestPos = 0;
  let c = at + offset;
  if (c >= 0 && c < oldN) {
    best = load<u8>(old + c) == load<u8>(next + at) ? matchLen(c, at) : 0;
    bestPos = c;
  }
  let hi = hintIdx;
  while (hi < hintsLength && hint(hi + 1) <= at) hi += 3;
  hintIdx = hi;
  if (hi < hintsLength && hint(hi) <= at) {
    c = hint(hi + 2) + (at - hint(hi));
    if (c >= 0 && c < oldN && c != bestPos && oldAt(c + best) == nextAt(at + best)) {
      const l = matchLen(c, at);
      if (l > best) {
        best = l;
        bestPos = c;
      }
    }
  }
  if (indexed && at + K <= n && !alignmentHolds(at + offset, at)) {
    if (at < warmFrom || at >= warmUntil) warm(at);
    const x = load<i32>(warmHashes + ((<usize>(at - warmFrom)) << 2));
    const h = ((<u32>x) >>> shift) * WAYS;
    const tag = x & tagMask;
    for (let k = 0; k < WAYS; k++) {
      const v = load<i32>(table + ((<usize>(h + <u32>k)) << 2));
      if (v == 0 || (v & tagMask) != tag) continue;
      c = <i32>((<u32>v) >>> tagBits) - 1;
      if (c == bestPos || oldAt(c + best) != nextAt(at + best)) continue;
      const l = matchLen(c, at);
      if (l > best) {
        best = l;
        bestPos = c;
      }
    }
  }
  found = bestPos;
  return best;
}

/** Scans on: returns 0 when new is done, 1 when the triple buffer is full, 2 when a progress report is due
 *  (at `scanAt`). The triples are in the buffer (`outCount` of them) whatever it returns. */
export function scan(): i32 {
  outCount = 0;
  let at = scanAt;
  while (at < n) {
    if (at >= reportAt) {
      reportAt = at + PROGRESS_STEP;
      scanAt = at;
      return 2;
    }
    if (outCount == outCapacity) {
      scanAt = at;
      return 1;
    }
    let oldScore = 0;
    at += len;
    let scsc = at;
    let skip = false;
    for (; at < n; at++) {
      len = search(at, lastOffset);
      pos = found;
      if (pos == at + lastOffset && scsc < at + len) {
        // the match is the current alignment: all of it counts, no need to compare again
        for (; scsc < at; scsc++) if (oldAt(scsc + lastOffset) == <i32>load<u8>(next + scsc)) oldScore++;
        oldScore += at + len - scsc;
        scsc = at + len;
      }
      // Once the current alignment cannot come within FAR_GAIN of this match, the match wins whatever the rest
      // of it holds, so stop counting (on a jump to a new file the match is megabytes long).
      const end = at + len;
      const need = len - FAR_GAIN;
      for (; scsc < end && oldScore + end - scsc >= need; scsc++) {
        if (scsc + lastOffset < oldN && scsc + lastOffset >= 0 && load<u8>(old + scsc + lastOffset) == load<u8>(next + scsc)) oldScore++;
      }
      if (len == oldScore && len != 0) break;
      if (len > oldScore + NEAR_GAIN) {
        const off = pos - at;
        const jump = <i64>off - <i64>lastOffset;
        if (
          len > oldScore + FAR_GAIN ||
          (jump < NEAR && jump > -NEAR) ||
          off == recent0 ||
          off == recent1 ||
          off == recent2 ||
          off == recent3
        )
          break;
      }
      // A long match that is not clearly better than the current alignment: keep the alignment, skip ahead
      // (bsdiff would re-search every byte of it, which is quadratic on repetitive data).
      if (len >= 32) {
        skip = true;
        break;
      }
      const o = at + lastOffset;
      if (o < oldN && o >= 0 && load<u8>(old + o) == load<u8>(next + at)) oldScore--;
    }
    if (skip || (len == oldScore && at != n)) continue;

    // Stretch the previous match forwards (lenf) and this one backwards (lenb) while more bytes match than not.
    // an exact prefix needs no byte-by-byte scoring: every byte of it raises the score
    const exact = lastScan < at && lastPos < oldN ? min(matchLen(lastPos, lastScan), at - lastScan) : 0;
    let s: i64 = exact;
    let sf: i64 = exact;
    let lenf: i64 = exact;
    for (let i = exact; lastScan + i < at && lastPos + i < oldN;) {
      if (load<u8>(old + lastPos + i) == load<u8>(next + lastScan + i)) {
        const run = min(matchLen(lastPos + i, lastScan + i), at - lastScan - i);
        s += run;
        i += run;
      } else i++;
      if (s * 2 - i > sf * 2 - lenf) {
        sf = s;
        lenf = i;
      }
    }
    let lenb: i64 = 0;
    if (at < n) {
      let sb: i64 = 0;
      s = 0;
      for (let i = 1; at >= lastScan + i && pos >= i; i++) {
        if (load<u8>(old + pos - i) == load<u8>(next + at - i)) s++;
        if (s * 2 - i > sb * 2 - lenb) {
          sb = s;
          lenb = i;
        } else if (i - s * 2 > lenb - sb * 2 + GIVE_UP) break;
      }
    }
    if (<i64>lastScan + lenf > <i64>at - lenb) {
      const overlap = <i32>(<i64>lastScan + lenf - (<i64>at - lenb));
      s = 0;
      let ss: i64 = 0;
      let lens = 0;
      const f = <i32>lenf;
      const b = <i32>lenb;
      for (let i = 0; i < overlap; i++) {
        if (nextAt(lastScan + f - overlap + i) == oldAt(lastPos + f - overlap + i)) s++;
        if (nextAt(at - b + i) == oldAt(pos - b + i)) s--;
        if (s > ss) {
          ss = s;
          lens = i + 1;
        }
      }
      lenf += lens - overlap;
      lenb -= lens;
    }
    const t = out + ((<usize>outCount) << 4);
    store<i32>(t, <i32>lenf);
    store<i32>(t + 4, <i32>(<i64>at - lenb - (<i64>lastScan + lenf)));
    store<i32>(t + 8, lastScan);
    store<i32>(t + 12, lastPos);
    outCount++;
    lastScan = at - <i32>lenb;
    lastPos = pos - <i32>lenb;
    if (pos - at != lastOffset) {
      recent3 = recent2;
      recent2 = recent1;
      recent1 = recent0;
      recent0 = lastOffset;
    }
    lastOffset = pos - at;
  }
  scanAt = at;
  return 0;
}
