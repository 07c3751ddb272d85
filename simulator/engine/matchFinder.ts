// Finds how to build `next` from `old`, bsdiff style: exact matches are located with a hash index of old
// (instead of bsdiff's suffix array: O(n) to build, O(1) per lookup), then stretched forwards and backwards
// approximately, so a region that differs only in scattered bytes (relocated addresses in a rebuilt binary,
// a version string) becomes one "add" run whose diff bytes are mostly zero. Bytes with no useful match are
// "extra". Alignment hints (from tar entries paired by path) are tried as match candidates too, so a changed
// file is diffed against its own old version first.
import { ByteComparer } from './byteComparer.js';
import { K, WAYS, buildIndex, hashAt, indexedRanges } from './matchIndex.js';

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
const WARM = 8; // positions whose buckets are read ahead
/** Where the read-ahead loads go, so that the compiler cannot drop them. */
let _warmSink = 0;
const PROGRESS_STEP = 1 << 20; // new bytes between progress reports

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
  matcher.release();
}

const noProgress = (): void => {};
const noRelease = (): void => {};

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
  /** Gives the index's table back once the scan is done. */
  readonly release: () => void;
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
    const index = this.indexed
      ? buildIndex(old, ranges, sparse)
      : { table: new Int32Array(WAYS), shift: 31, tagBits: 0, release: noRelease };
    this.table = index.table;
    this.release = index.release;
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
