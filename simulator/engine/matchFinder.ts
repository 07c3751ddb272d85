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
const MAX_TABLE_BITS = 23;
const SAMPLE_MASK = Number(process.env.EP_SAMPLE ?? 7); // index (and look up) positions whose hash & mask is 0
const M1 = 0x2545f491;
const M2 = 0x9e3779b1;

function hashAt(b: Uint8Array, p: number): number {
  const lo = b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
  const hi = b[p + 4]! | (b[p + 5]! << 8) | (b[p + 6]! << 16) | (b[p + 7]! << 24);
  return Math.imul(lo ^ Math.imul(hi, M1), M2);
}

/** Two old positions per bucket (newest first), stored +1 so that 0 means empty; old positions are sampled
 *  every `step` bytes when old is larger than the table. */
function buildIndex(old: Uint8Array): { table: Int32Array; shift: number; sampled: boolean } {
  // about one bucket per indexed position: a bigger table only adds cache misses
  const indexed = Math.max(1, old.length / (SAMPLE_MASK + 1));
  const bits = Math.max(10, Math.min(MAX_TABLE_BITS, Math.ceil(Math.log2(indexed))));
  const shift = 32 - bits;
  const t = new Int32Array(2 << bits);
  const step = Math.max(1, Math.ceil(indexed / (1 << bits)));
  const end = old.length - K;
  if (step === 1) {
    // rolling: lo/hi hold bytes p..p+7
    let lo = end >= 0 ? old[0]! | (old[1]! << 8) | (old[2]! << 16) | (old[3]! << 24) : 0;
    let hi = end >= 0 ? old[4]! | (old[5]! << 8) | (old[6]! << 16) | (old[7]! << 24) : 0;
    for (let p = 0; p <= end; p++) {
      const x = Math.imul(lo ^ Math.imul(hi, M1), M2);
      if ((x & SAMPLE_MASK) === 0) {
        const h = (x >>> shift) << 1;
        t[h + 1] = t[h]!;
        t[h] = p + 1;
      }
      lo = (lo >>> 8) | ((hi & 0xff) << 24);
      hi = (hi >>> 8) | (old[p + 8]! << 24);
    }
  } else {
    for (let p = 0; p <= end; p += step) {
      const h = (hashAt(old, p) >>> shift) << 1;
      t[h + 1] = t[h]!;
      t[h] = p + 1;
    }
  }
  return { table: t, shift, sampled: step === 1 };
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
  const index = oldN >= K ? buildIndex(old) : undefined;
  const table = index?.table ?? new Int32Array(2);
  const shift = index?.shift ?? 31;
  // sampled only when the index is: a sparse index of a large old input keeps every position it has
  const sampleMask = index?.sampled ? SAMPLE_MASK : 0;
  let hintIdx = 0;
  let pos = 0;

  // Longest exact match at next[scan..] among: the current alignment, the hint, two index candidates.
  function search(scan: number, lastOffset: number): number {
    let best = 0;
    let bestPos = 0;
    let c = scan + lastOffset;
    if (c >= 0 && c < oldN) {
      best = matchLen(old, c, next, scan);
      bestPos = c;
    }
    while (hintIdx < hints.length && hints[hintIdx]!.newEnd <= scan) hintIdx++;
    const hint = hints[hintIdx];
    if (hint !== undefined && hint.newStart <= scan) {
      c = hint.oldStart + (scan - hint.newStart);
      if (c >= 0 && c < oldN && c !== bestPos) {
        const l = matchLen(old, c, next, scan);
        if (l > best) {
          best = l;
          bestPos = c;
        }
      }
    }
    const x = index !== undefined && scan + K <= n ? hashAt(next, scan) : 1;
    if ((x & sampleMask) === 0) {
      const h = (x >>> shift) << 1;
      for (let k = 0; k < 2; k++) {
        c = table[h + k]! - 1;
        if (c < 0 || c === bestPos || old[c + best] !== next[scan + best]) continue;
        const l = matchLen(old, c, next, scan);
        if (l > best) {
          best = l;
          bestPos = c;
        }
      }
    }
    pos = bestPos;
    return best;
  }

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
