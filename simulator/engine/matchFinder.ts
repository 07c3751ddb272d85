// Finds how to build `next` from `old`, bsdiff style: exact matches are located with a hash index of old
// (instead of bsdiff's suffix array: O(n) to build, O(1) per lookup), then stretched forwards and backwards
// approximately, so a region that differs only in scattered bytes (relocated addresses in a rebuilt binary,
// a version string) becomes one "add" run whose diff bytes are mostly zero. Bytes with no useful match are
// "extra". Alignment hints (from tar entries paired by path) are tried as match candidates too, so a changed
// file is diffed against its own old version first.
import { ByteComparer } from './byteComparer.js';

export interface AlignmentHint {
  newStart: number;
  newEnd: number;
  oldStart: number;
}

/** Where the matches go, as bsdiff's triples: `addLen` bytes of new from old (at `oldStart`) plus the diff, then
 *  `extraLen` bytes of new as they are. An object, not a callback: a closure made per call would be a new
 *  feedback cell to the optimised scan each time, and V8 would throw that code away ("wrong feedback cell"). */
export interface TripleSink {
  triple(addLen: number, extraLen: number, newStart: number, oldStart: number): void;
}

const K = 8; // bytes hashed per index entry: the shortest match the index can find
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
// A new alignment must beat the current one by this many bytes: little when it is near the current one or
// one used recently (cheap to code, typical of relocated code), more when it jumps somewhere new (typical of
// text, where short far matches cost more in control bytes than the literals they replace).
const NEAR_GAIN = 8;
const FAR_GAIN = 16;
const NEAR = 256;
// Backward extension stops once mismatches lead matches by this much more than at the best point so far
// (bsdiff walks back to the previous match, a pass over every long unchanged region). Forward extension
// cannot stop early: it is what covers regions that stayed at the current alignment.
const GIVE_UP = 512;
// The current alignment "holds" where at least HOLD_MIN of the next HOLD_WINDOW bytes agree: no lookup there.
const HOLD_WINDOW = 16;
const HOLD_MIN = 8;
const WAYS = 4; // positions kept per bucket, newest first
const WARM = 8; // positions whose buckets are read ahead
/** Where the read-ahead loads go, so that the compiler cannot drop them. */
let _warmSink = 0;
const PROGRESS_STEP = 1 << 20; // new bytes between progress reports
const M1 = 0x2545f491;
const M2 = 0x9e3779b1;

/** Hash of the K = 8 bytes at p (little-endian words: DataView reads them in one load each). */
function hashAt(view: DataView, p: number): number {
  return Math.imul(view.getInt32(p, true) ^ Math.imul(view.getInt32(p + 4, true), M1), M2);
}

/** Old positions every `stride` bytes, hashed into buckets of four (newest first), stored +1 so that 0 means
 *  empty. The table has about one slot per 8 old bytes and the stride is chosen so that about two positions
 *  compete for each slot (measured on the corpus: a sparser, larger table gives bigger deltas and more cache
 *  misses). A match of K + stride - 1 bytes is always found. Ranges in `skip` (old files identical to their
 *  new counterpart, reachable through hints anyway) are left out. */
function buildIndex(old: Uint8Array, ranges: Int32Array, sparse: number): { table: Int32Array; shift: number; tagBits: number } {
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
        _warmSink ^= touched;
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

export interface MatchOptions {
  /** Old ranges left out of the index (reachable through hints). */
  skipOld?: readonly [number, number][];
  /** Old ranges indexed at COARSE_STRIDE times the stride (sorted, disjoint): programs, whose prediction
   *  already puts most of their code where the new program has it. */
  coarseOld?: readonly [number, number][];
  progress?: (done: number, total: number) => void;
  /** An index 2^sparse times smaller (and sparser: only matches of about 8 + 3 * 2^sparse bytes are sure to be
   *  found), for a quick first alignment (default 0). */
  sparse?: number;
}

/** Old ranges to index as (start, end, stride multiple) triples: all of old but the `skip` ranges, the
 *  `coarse` ones (sorted, disjoint) at COARSE_STRIDE times the stride. */
function indexedRanges(oldN: number, skip: readonly [number, number][], coarse: readonly [number, number][]): Int32Array {
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

/** A plain Uint8Array over the same bytes (a Buffer has another hidden class). */
const plain = (b: Uint8Array) => new Uint8Array(b.buffer, b.byteOffset, b.length);

export function findMatches(
  old: Uint8Array,
  next: Uint8Array,
  hints: readonly AlignmentHint[],
  sink: TripleSink,
  opts: MatchOptions = {},
): void {
  // The hot code below sees the same types on every call (plain Uint8Arrays, typed arrays for the hints and
  // ranges): a Buffer here and a Uint8Array there, or an empty array literal here and a list of objects there,
  // made V8 throw away the optimised code and compile it again (each compile of this function is tens of
  // milliseconds of CPU, several per delta; a process makes one delta, so that cost is not amortised).
  const hintArr = new Int32Array(3 * hints.length);
  hints.forEach((h, i) => hintArr.set([h.newStart, h.newEnd, h.oldStart], 3 * i));
  const ranges = indexedRanges(old.length, opts.skipOld ?? [], opts.coarseOld ?? []);
  // made here, not in the hot scan: V8 shrinks a class's objects after its first few instances, and code that
  // made them inline is thrown away then ("wrong map"): cheap here, tens of milliseconds of compile in the scan
  const matcher = new Matcher(plain(old), plain(next), hintArr, ranges, opts.sparse ?? 0);
  matcher.run(sink, opts.progress ?? noProgress);
}

const noProgress = (): void => {};

/** A matcher is made per call, its methods shared by all: V8 keeps one compiled copy of each. (Closures made per
 *  call had a feedback cell each, and the optimised caller was thrown away at the next call's closures: "wrong
 *  feedback cell". A delta runs a matcher for every program pair, then for the whole input, and each compile of
 *  the scan is tens of milliseconds of CPU that a process making one delta never earns back.) */
class Matcher {
  readonly n: number;
  readonly oldN: number;
  readonly cmp: ByteComparer;
  readonly indexed: boolean;
  readonly table: Int32Array;
  readonly shift: number;
  readonly tagBits: number;
  readonly tagMask: number;
  readonly oldView: DataView;
  readonly nextView: DataView;
  // Index lookups miss the cache (the table and old are tens of megabytes), and made one by one, each waits
  // for memory in turn. So when a lookup is due, the buckets of the next WARM positions are read first in a
  // tight loop of independent loads, then the old bytes their candidates point at: the misses overlap, and
  // the lookups that follow (the scan steps one byte at a time where nothing matches) find them in cache.
  readonly warmHashes = new Int32Array(WARM);
  warmFrom = 0;
  warmUntil = 0;
  hintIdx = 0;
  /** Where the last search's best match starts in old. */
  pos = 0;

  constructor(
    readonly old: Uint8Array,
    readonly next: Uint8Array,
    readonly hints: Int32Array,
    ranges: Int32Array,
    sparse: number,
  ) {
    this.n = next.length;
    this.oldN = old.length;
    this.cmp = new ByteComparer(old, next);
    this.indexed = old.length >= K;
    const index = this.indexed ? buildIndex(old, ranges, sparse) : { table: new Int32Array(WAYS), shift: 31, tagBits: 0 };
    this.table = index.table;
    this.shift = index.shift;
    this.tagBits = index.tagBits;
    this.tagMask = (1 << index.tagBits) - 1;
    this.oldView = new DataView(old.buffer, old.byteOffset, old.length);
    this.nextView = new DataView(next.buffer, next.byteOffset, next.length);
  }

  warm(from: number): void {
    const { table, shift, tagMask, tagBits, old, warmHashes } = this;
    const end = Math.min(this.n - K + 1, from + WARM);
    let touched = 0;
    for (let p = from; p < end; p++) {
      const x = hashAt(this.nextView, p);
      warmHashes[p - from] = x;
      touched ^= table[(x >>> shift) * WAYS]!;
    }
    for (let i = 0; i < end - from; i++) {
      const x = warmHashes[i]!;
      const h = (x >>> shift) * WAYS;
      const tag = x & tagMask;
      for (let k = h; k < h + WAYS; k++) {
        const v = table[k]!;
        if (v !== 0 && (v & tagMask) === tag) touched ^= old[(v >>> tagBits) - 1]!;
      }
    }
    _warmSink ^= touched;
    this.warmFrom = from;
    this.warmUntil = end;
  }

  // Whether old[o..] and next[s..] agree on most of the next HOLD_WINDOW bytes: the current alignment still
  // holds across a changed byte (a relocated address, a bumped constant), so looking up the index there (a
  // cache miss each time) would only find what the alignment already covers; a better alignment, if any, is
  // found where this one stops holding. Measured on a rebuilt binary: three lookups in four saved, for deltas
  // 0.5 % larger.
  alignmentHolds(o: number, s: number): boolean {
    if (o < 0 || o + HOLD_WINDOW > this.oldN || s + HOLD_WINDOW > this.n) return false;
    const { oldView, nextView } = this;
    let differ = 0;
    for (let j = 0; j < HOLD_WINDOW; j += 4) {
      // without branches: a byte of x is non-zero where the inputs differ, and those bytes are counted
      const x = oldView.getInt32(o + j, true) ^ nextView.getInt32(s + j, true);
      const nonZero = ((((x & 0x7f7f7f7f) + 0x7f7f7f7f) | x) >>> 7) & 0x01010101;
      differ += Math.imul(nonZero, 0x01010101) >>> 24;
    }
    return differ <= HOLD_WINDOW - HOLD_MIN;
  }

  /** Longest exact match at next[scan..] among: the current alignment, the hint, the index bucket (four
   *  positions); its old position is left in `pos`. */
  search(scan: number, lastOffset: number): number {
    const { old, next, oldN, hints, cmp } = this;
    let best = 0;
    let bestPos = 0;
    let c = scan + lastOffset;
    if (c >= 0 && c < oldN) {
      best = old[c] === next[scan] ? cmp.matchLen(c, scan) : 0;
      bestPos = c;
    }
    let hintIdx = this.hintIdx;
    while (hintIdx < hints.length && hints[hintIdx + 1]! <= scan) hintIdx += 3;
    this.hintIdx = hintIdx;
    if (hintIdx < hints.length && hints[hintIdx]! <= scan) {
      c = hints[hintIdx + 2]! + (scan - hints[hintIdx]!);
      if (c >= 0 && c < oldN && c !== bestPos && old[c + best] === next[scan + best]) {
        const l = cmp.matchLen(c, scan);
        if (l > best) {
          best = l;
          bestPos = c;
        }
      }
    }
    if (this.indexed && scan + K <= this.n && !this.alignmentHolds(scan + lastOffset, scan)) {
      if (scan < this.warmFrom || scan >= this.warmUntil) this.warm(scan);
      const { table, tagMask, tagBits } = this;
      const x = this.warmHashes[scan - this.warmFrom]!;
      const h = (x >>> this.shift) * WAYS;
      const tag = x & tagMask;
      for (let k = 0; k < WAYS; k++) {
        const v = table[h + k]!;
        if (v === 0 || (v & tagMask) !== tag) continue;
        c = (v >>> tagBits) - 1;
        if (c === bestPos || old[c + best] !== next[scan + best]) continue;
        const l = cmp.matchLen(c, scan);
        if (l > best) {
          best = l;
          bestPos = c;
        }
      }
    }
    this.pos = bestPos;
    return best;
  }

  /** The scan: emits the triples that build next from old, in order. */
  run(sink: TripleSink, progress: (done: number, total: number) => void): void {
    const { n, oldN, cmp, old, next } = this;
    let scan = 0;
    let len = 0;
    let lastScan = 0;
    let lastPos = 0;
    let lastOffset = 0;
    let pos = 0;
    const recent = new Int32Array(4);
    let reportAt = 0;
    while (scan < n) {
      if (scan >= reportAt) {
        progress(scan, n);
        reportAt = scan + PROGRESS_STEP;
      }
      let oldScore = 0;
      scan += len;
      let scsc = scan;
      let skip = false;
      for (; scan < n; scan++) {
        len = this.search(scan, lastOffset);
        pos = this.pos;
        if (pos === scan + lastOffset && scsc < scan + len) {
          // the match is the current alignment: all of it counts, no need to compare again
          for (; scsc < scan; scsc++) if (old[scsc + lastOffset] === next[scsc]) oldScore++;
          oldScore += scan + len - scsc;
          scsc = scan + len;
        }
        // Once the current alignment cannot come within FAR_GAIN of this match, the match wins whatever the rest
        // of it holds, so stop counting (on a jump to a new file the match is megabytes long).
        const end = scan + len;
        const need = len - FAR_GAIN;
        for (; scsc < end && oldScore + end - scsc >= need; scsc++) {
          if (scsc + lastOffset < oldN && scsc + lastOffset >= 0 && old[scsc + lastOffset] === next[scsc]) oldScore++;
        }
        if (len === oldScore && len !== 0) break;
        if (len > oldScore + NEAR_GAIN) {
          const off = pos - scan;
          if (
            len > oldScore + FAR_GAIN ||
            Math.abs(off - lastOffset) < NEAR ||
            off === recent[0] ||
            off === recent[1] ||
            off === recent[2] ||
            off === recent[3]
          )
            break;
        }
        // A long match that is not clearly better than the current alignment: keep the alignment, skip ahead
        // (bsdiff would re-search every byte of it, which is quadratic on repetitive data).
        if (len >= 32) {
          skip = true;
          break;
        }
        const o = scan + lastOffset;
        if (o < oldN && o >= 0 && old[o] === next[scan]) oldScore--;
      }
      if (skip || (len === oldScore && scan !== n)) continue;

      // Stretch the previous match forwards (lenf) and this one backwards (lenb) while more bytes match than not.
      // an exact prefix needs no byte-by-byte scoring: every byte of it raises the score
      const exact = lastScan < scan && lastPos < oldN ? Math.min(cmp.matchLen(lastPos, lastScan), scan - lastScan) : 0;
      let s = exact;
      let sf = exact;
      let lenf = exact;
      for (let i = exact; lastScan + i < scan && lastPos + i < oldN;) {
        if (old[lastPos + i] === next[lastScan + i]) {
          // a run of equal bytes only raises the score: take it whole
          const run = Math.min(cmp.matchLen(lastPos + i, lastScan + i), scan - lastScan - i);
          s += run;
          i += run;
        } else i++;
        if (s * 2 - i > sf * 2 - lenf) {
          sf = s;
          lenf = i;
        }
      }
      let lenb = 0;
      if (scan < n) {
        let sb = 0;
        s = 0;
        for (let i = 1; scan >= lastScan + i && pos >= i; i++) {
          if (old[pos - i] === next[scan - i]) s++;
          if (s * 2 - i > sb * 2 - lenb) {
            sb = s;
            lenb = i;
          } else if (i - s * 2 > lenb - sb * 2 + GIVE_UP) break;
        }
      }
      if (lastScan + lenf > scan - lenb) {
        const overlap = lastScan + lenf - (scan - lenb);
        s = 0;
        let ss = 0;
        let lens = 0;
        for (let i = 0; i < overlap; i++) {
          if (next[lastScan + lenf - overlap + i] === old[lastPos + lenf - overlap + i]) s++;
          if (next[scan - lenb + i] === old[pos - lenb + i]) s--;
          if (s > ss) {
            ss = s;
            lens = i + 1;
          }
        }
        lenf += lens - overlap;
        lenb -= lens;
      }
      sink.triple(lenf, scan - lenb - (lastScan + lenf), lastScan, lastPos);
      lastScan = scan - lenb;
      lastPos = pos - lenb;
      if (pos - scan !== lastOffset) {
        recent[3] = recent[2]!;
        recent[2] = recent[1]!;
        recent[1] = recent[0]!;
        recent[0] = lastOffset;
      }
      lastOffset = pos - scan;
    }
  }
}
