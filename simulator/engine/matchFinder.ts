// Finds how to build `next` from `old`, bsdiff style: exact matches are located with a hash index of old
// (instead of bsdiff's suffix array: O(n) to build, O(1) per lookup), then stretched forwards and backwards
// approximately, so a region that differs only in scattered bytes (relocated addresses in a rebuilt binary,
// a version string) becomes one "add" run whose diff bytes are mostly zero. Bytes with no useful match are
// "extra". Alignment hints (from tar entries paired by path) are tried as match candidates too, so a changed
// file is diffed against its own old version first.

export interface AlignmentHint {
  newStart: number;
  newEnd: number;
  oldStart: number;
}

export type TripleSink = (addLen: number, extraLen: number, newStart: number, oldStart: number) => void;

const K = 8; // bytes hashed per index entry: the shortest match the index can find
const MAX_TABLE_BITS = 24;

function hashAt(b: Uint8Array, p: number, shift: number): number {
  const lo = b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
  const hi = b[p + 4]! | (b[p + 5]! << 8) | (b[p + 6]! << 16) | (b[p + 7]! << 24);
  return Math.imul(lo ^ Math.imul(hi, 0x2545f491), 0x9e3779b1) >>> shift;
}

/** Two positions per bucket (newest first); old positions sampled every `step` bytes when old is large. */
class OldIndex {
  readonly table: Int32Array;
  readonly shift: number;

  constructor(old: Uint8Array) {
    const bits = Math.max(10, Math.min(MAX_TABLE_BITS, Math.ceil(Math.log2(Math.max(old.length, 1)))));
    this.shift = 32 - bits;
    this.table = new Int32Array(2 << bits).fill(-1);
    const step = Math.max(1, Math.ceil(old.length / (1 << bits)));
    const t = this.table;
    for (let p = 0; p + K <= old.length; p += step) {
      const h = hashAt(old, p, this.shift) << 1;
      t[h + 1] = t[h]!;
      t[h] = p;
    }
  }
}

function matchLen(old: Uint8Array, o: number, next: Uint8Array, s: number): number {
  const max = Math.min(old.length - o, next.length - s);
  let l = 0;
  while (l < max && old[o + l] === next[s + l]) l++;
  return l;
}

export function findMatches(old: Uint8Array, next: Uint8Array, hints: readonly AlignmentHint[], emit: TripleSink): void {
  const n = next.length;
  const oldN = old.length;
  const index = oldN >= K ? new OldIndex(old) : undefined;
  let hintIdx = 0;
  let pos = 0;

  // Longest exact match at next[scan..] among: two index candidates, the current alignment, the hint.
  const search = (scan: number, lastOffset: number): number => {
    let best = 0;
    let bestPos = 0;
    const tryAt = (c: number) => {
      if (c < 0 || c >= oldN) return;
      const l = matchLen(old, c, next, scan);
      if (l > best) {
        best = l;
        bestPos = c;
      }
    };
    tryAt(scan + lastOffset);
    while (hintIdx < hints.length && hints[hintIdx]!.newEnd <= scan) hintIdx++;
    const hint = hints[hintIdx];
    if (hint && hint.newStart <= scan) tryAt(hint.oldStart + (scan - hint.newStart));
    if (index && scan + K <= n) {
      const h = hashAt(next, scan, index.shift) << 1;
      const c0 = index.table[h]!;
      if (c0 >= 0) tryAt(c0);
      const c1 = index.table[h + 1]!;
      if (c1 >= 0) tryAt(c1);
    }
    pos = bestPos;
    return best;
  };

  let scan = 0;
  let len = 0;
  let lastScan = 0;
  let lastPos = 0;
  let lastOffset = 0;
  while (scan < n) {
    let oldScore = 0;
    scan += len;
    let scsc = scan;
    let skip = false;
    for (; scan < n; scan++) {
      len = search(scan, lastOffset);
      for (; scsc < scan + len; scsc++) {
        if (scsc + lastOffset < oldN && scsc + lastOffset >= 0 && old[scsc + lastOffset] === next[scsc]) oldScore++;
      }
      if ((len === oldScore && len !== 0) || len > oldScore + 8) break;
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
    let s = 0;
    let sf = 0;
    let lenf = 0;
    for (let i = 0; lastScan + i < scan && lastPos + i < oldN; ) {
      if (old[lastPos + i] === next[lastScan + i]) s++;
      i++;
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
        }
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
    emit(lenf, scan - lenb - (lastScan + lenf), lastScan, lastPos);
    lastScan = scan - lenb;
    lastPos = pos - lenb;
    lastOffset = pos - scan;
  }
}
