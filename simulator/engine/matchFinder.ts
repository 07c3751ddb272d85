// Finds how to build `next` from `old`, bsdiff style: exact matches are located with a hash index of old
// (instead of bsdiff's suffix array: O(n) to build, O(1) per lookup), then stretched forwards and backwards
// approximately, so a region that differs only in scattered bytes (relocated addresses in a rebuilt binary,
// a version string) becomes one "add" run whose diff bytes are mostly zero. Bytes with no useful match are
// "extra". Alignment hints (from tar entries paired by path) are tried as match candidates too, so a changed
// file is diffed against its own old version first. The scan is WebAssembly (wasm/matching.ts, which also says
// why each of its thresholds is what it is); this file lays out its memory and hands its triples on.
import { tooLarge } from '../shared/errors.js';
import { buildIndex, indexedRanges, reserve } from './matchIndex.js';

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

// what the scan returns: new is done, or a progress report is due (else its triple buffer is full)
const DONE = 0;
const PROGRESS_DUE = 2;
const TRIPLES = 4096; // triples the scan writes before it hands them over
const WARM_HASHES = 8; // the scan's read-ahead (WARM in wasm/matching.ts)
// Positions are 32-bit in the module, whose memory is at most 4 GiB: larger inputs go through the windowed codec
// (byteDeltaFiles.ts and imageDeltaFiles.ts choose it far below this).
const MAX_INPUTS = 2 ** 31 - 1;

export function findMatches(
  old: Uint8Array,
  next: Uint8Array,
  hints: readonly AlignmentHint[],
  sink: TripleSink,
  opts: MatchOptions = {},
): void {
  if (old.length + next.length > MAX_INPUTS)
    throw tooLarge(
      `${old.length + next.length} bytes of old and new are too many to match in memory (2 GiB at most): make the delta from files, windowed`,
    );
  const ranges = indexedRanges(old.length, opts.skipOld ?? [], opts.coarseOld ?? []);
  const index = buildIndex(old, ranges, opts.sparse ?? 0);
  const { m } = index;
  // past old and its index: new, the hints, the scan's read-ahead hashes and its triples
  const nextAt = index.free;
  const hintsAt = Math.ceil((nextAt + next.length + 8) / 8) * 8;
  const warmAt = hintsAt + 12 * hints.length;
  const outAt = warmAt + 4 * WARM_HASHES;
  reserve(m, outAt + 16 * TRIPLES);
  new Uint8Array(m.memory.buffer, nextAt, next.length).set(next);
  const hintWords = new Int32Array(m.memory.buffer, hintsAt, 3 * hints.length);
  hints.forEach((h, i) => hintWords.set([h.newStart, h.newEnd, h.oldStart], 3 * i));
  m.begin(
    index.old,
    old.length,
    nextAt,
    next.length,
    index.indexed,
    index.table,
    index.shift,
    index.tagBits,
    hintsAt,
    3 * hints.length,
    outAt,
    TRIPLES,
    warmAt,
  );
  const progress = opts.progress;
  for (;;) {
    const why = m.scan();
    const count = m.outCount.value as number;
    const t = new Int32Array(m.memory.buffer, outAt, 4 * count);
    for (let i = 0; i < 4 * count; i += 4) sink.triple(t[i]!, t[i + 1]!, t[i + 2]!, t[i + 3]!);
    if (why === DONE) break;
    if (why === PROGRESS_DUE) progress?.(m.scanAt.value as number, next.length);
  }
  index.release();
}
