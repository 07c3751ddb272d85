// Where the old program's addresses went in the new one: a step function over old addresses, as a sorted list
// of (start, shift) breakpoints, each shift holding until the next breakpoint and nothing mapped past `end`.
// Made by the delta's creator from how the matcher aligned old and new (it has both), carried in the delta,
// and used on both sides to predict the new program's references from the old one's.
import type { ByteSink, VarintReader } from '../varint.js';
import { corrupt } from '../../shared/errors.js';
import { vaddrOf, type ElfImage, type ElfSection } from './elfImage.js';

const NO_PAGES = new Int32Array(0);

export class AddressMap {
  constructor(
    readonly starts: Float64Array,
    readonly shifts: Float64Array,
    readonly end: number,
  ) {}

  static readonly empty = new AddressMap(new Float64Array(0), new Float64Array(0), 0);

  get size(): number {
    return this.starts.length;
  }

  // A page table over the mapped span: the last breakpoint at or before each page start, so that a lookup is
  // one load and a short walk instead of a binary search (a program has a million references to map). Made
  // on first use; its fields hold the same kinds of values from the start (an Int32Array, a double), since a
  // field that changes kind changes the object's hidden class and V8 throws away the scans compiled for it.
  private pages = NO_PAGES;
  private pageSize = 4096.5;

  /** The page table's pages: 4 KB or more, at most 2^18 of them over the mapped span (none for an empty map). */
  pageGeometry(): { pageSize: number; count: number } {
    if (this.starts.length === 0) return { pageSize: 4096, count: 0 };
    const span = this.end - this.starts[0]!;
    const pageSize = 2 ** Math.max(12, Math.ceil(Math.log2(Math.max(1, span / (1 << 18)))));
    return { pageSize, count: Math.ceil(span / pageSize) + 1 };
  }

  private buildPages(): Int32Array {
    const s = this.starts;
    const { pageSize, count } = this.pageGeometry();
    const pages = new Int32Array(count);
    let i = 0;
    for (let k = 0; k < pages.length; k++) {
      const at = s[0]! + k * pageSize;
      while (i + 1 < s.length && s[i + 1]! <= at) i++;
      pages[k] = i;
    }
    this.pageSize = pageSize;
    this.pages = pages;
    return pages;
  }

  /** The new address of old address `a`, or NaN when the map says nothing about it. */
  map(a: number): number {
    const i = this.indexOf(a);
    return i < 0 ? NaN : a + this.shifts[i]!;
  }

  /** The breakpoint that holds at `a`, or -1 outside the map. */
  indexOf(a: number): number {
    const s = this.starts;
    if (s.length === 0 || !(a >= s[0]! && a < this.end)) return -1;
    const pages = this.pages.length > 0 ? this.pages : this.buildPages();
    const k = Math.floor((a - s[0]!) / this.pageSize);
    // the answer lies between this page's first breakpoint and the next page's: a binary search there (a
    // walk would do, but a hostile map may crowd a million breakpoints into one page)
    let lo = pages[k]!;
    let hi = k + 1 < pages.length ? pages[k + 1]! : s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (s[mid]! <= a) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The shift that holds at `a` (NaN outside the map), for callers that only need to compare shifts. */
  shiftAt(a: number): number {
    return this.map(a) - a;
  }

  encode(sink: ByteSink): void {
    sink.uint(this.starts.length);
    let prevStart = 0;
    let prevShift = 0;
    for (let i = 0; i < this.starts.length; i++) {
      sink.uint(this.starts[i]! - prevStart);
      sink.int(this.shifts[i]! - prevShift);
      prevStart = this.starts[i]!;
      prevShift = this.shifts[i]!;
    }
    if (this.starts.length > 0) sink.uint(this.end - prevStart);
  }

  static decode(r: VarintReader, limit: number): AddressMap {
    const n = r.uint();
    if (n > limit) throw corrupt('delta address map is larger than its section');
    const starts = new Float64Array(n);
    const shifts = new Float64Array(n);
    let start = 0;
    let shift = 0;
    for (let i = 0; i < n; i++) {
      const step = r.uint();
      if (i > 0 && step === 0) throw corrupt('delta address map is not sorted');
      start += step;
      shift += r.int();
      starts[i] = start;
      shifts[i] = shift;
    }
    const end = n > 0 ? start + r.uint() : 0;
    if (!Number.isSafeInteger(end)) throw corrupt('delta address map out of range');
    return new AddressMap(starts, shifts, end);
  }
}

/** A run of old file bytes the matcher aligned with new file bytes (mostly equal). */
export interface AlignedRun {
  oldOffset: number;
  newOffset: number;
  length: number;
}

interface Piece {
  start: number;
  length: number;
  shift: number;
}

// Aligned runs shorter than this are noise (a few equal bytes the matcher used to bridge a change).
const MIN_RUN = 24;
// A piece this short whose neighbours agree with each other is an island inside one move: dropped.
const ISLAND = 256;

/** One piece per address, in address order: a piece starts where the one before it ends. */
function flatten(pieces: Piece[]): Piece[] {
  pieces.sort((a, b) => a.start - b.start || b.length - a.length);
  const flat: Piece[] = [];
  for (const p of pieces) {
    const last = flat[flat.length - 1];
    const lastEnd = last ? last.start + last.length : -Infinity;
    if (p.start + p.length <= lastEnd) continue;
    const start = Math.max(p.start, lastEnd);
    flat.push({ start, length: p.start + p.length - start, shift: p.shift });
  }
  return flat;
}

function covers(sorted: readonly Piece[], a: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const p = sorted[mid]!;
    if (a < p.start) hi = mid - 1;
    else if (a >= p.start + p.length) lo = mid + 1;
    else return true;
  }
  return false;
}

/** The heaviest chain of runs in the same order in old and new (most bytes covered). A rebuilt program keeps
 *  the order of its functions and data; a run that breaks the order is a repeat found elsewhere (padding, a
 *  common instruction sequence), and its shift, held until the next breakpoint, would mispredict every
 *  reference into that stretch. O(n log n): a Fenwick tree of the best chain ending below each new offset. */
export function inOrder(runs: readonly AlignedRun[]): AlignedRun[] {
  const byOld = [...runs].sort((a, b) => a.oldOffset - b.oldOffset || a.newOffset - b.newOffset);
  const ranks = [...new Set(byOld.map((r) => r.newOffset))].sort((a, b) => a - b);
  const rankOf = new Map(ranks.map((v, i) => [v, i + 1]));
  const tree = new Float64Array(ranks.length + 1);
  const treeAt = new Int32Array(ranks.length + 1).fill(-1);
  const best = new Float64Array(byOld.length);
  const prev = new Int32Array(byOld.length).fill(-1);
  for (let i = 0; i < byOld.length; i++) {
    const r = byOld[i]!;
    // best chain among runs with a smaller new offset (rank below this one)
    let q = 0;
    let qAt = -1;
    for (let k = rankOf.get(r.newOffset)! - 1; k > 0; k -= k & -k) {
      if (tree[k]! > q) {
        q = tree[k]!;
        qAt = treeAt[k]!;
      }
    }
    best[i] = q + r.length;
    prev[i] = qAt;
    for (let k = rankOf.get(r.newOffset)!; k <= ranks.length; k += k & -k) {
      if (best[i]! > tree[k]!) {
        tree[k] = best[i]!;
        treeAt[k] = i;
      }
    }
  }
  let end = -1;
  for (let i = 0; i < byOld.length; i++) if (end < 0 || best[i]! > best[end]!) end = i;
  const chain: AlignedRun[] = [];
  for (let i = end; i >= 0; i = prev[i]!) chain.push(byOld[i]!);
  return chain.reverse();
}

/** The address map of an old ELF file to a new one, from the matcher's aligned runs (file offsets), plus the
 *  sections without file bytes (.bss and the like) paired by name. */
export function buildAddressMap(oldElf: ElfImage, newElf: ElfImage, runs: readonly AlignedRun[]): AddressMap {
  const pieces: Piece[] = [];
  for (const r of inOrder(runs.filter((x) => x.length >= MIN_RUN))) {
    let done = 0;
    // split at segment ends on either side: each part has one shift
    while (done < r.length) {
      const oa = vaddrOf(oldElf, r.oldOffset + done);
      const na = vaddrOf(newElf, r.newOffset + done);
      const oSeg = oldElf.segments.find((s) => r.oldOffset + done >= s.fileOffset && r.oldOffset + done < s.fileOffset + s.fileSize);
      const nSeg = newElf.segments.find((s) => r.newOffset + done >= s.fileOffset && r.newOffset + done < s.fileOffset + s.fileSize);
      if (oa < 0 || na < 0 || !oSeg || !nSeg) break;
      const len = Math.min(
        r.length - done,
        oSeg.fileOffset + oSeg.fileSize - (r.oldOffset + done),
        nSeg.fileOffset + nSeg.fileSize - (r.newOffset + done),
      );
      if (len >= MIN_RUN) pieces.push({ start: oa, length: len, shift: na - oa });
      done += len;
    }
  }
  const flat = flatten(pieces);
  // islands: a short piece between two that move together
  const runPieces = flat.filter(
    (p, i) =>
      !(p.length < ISLAND && i > 0 && i < flat.length - 1 && flat[i - 1]!.shift === flat[i + 1]!.shift && p.shift !== flat[i - 1]!.shift),
  );
  // Sections move as wholes when a program is linked again: where no run covers the start of a section (its
  // first bytes changed, or it has none in the file, as .bss), the section's own move holds from its start
  // until the first run inside it, instead of the move of whatever came before it leaking in.
  const newByName = new Map<string, ElfSection | null>();
  for (const s of newElf.sections) newByName.set(s.name, newByName.has(s.name) ? null : s);
  const anchors: Piece[] = [];
  for (const s of oldElf.sections) {
    const n = s.name !== '.tbss' && s.size > 0 ? newByName.get(s.name) : undefined;
    if (!n || covers(runPieces, s.vaddr)) continue;
    const next = runPieces.find((p) => p.start > s.vaddr);
    const end = Math.min(s.vaddr + s.size, next ? next.start : Infinity);
    anchors.push({ start: s.vaddr, length: end - s.vaddr, shift: n.vaddr - s.vaddr });
  }
  const kept = flatten([...runPieces, ...anchors]);
  const starts: number[] = [];
  const shifts: number[] = [];
  for (const p of kept) {
    if (shifts.length > 0 && shifts[shifts.length - 1] === p.shift) continue;
    starts.push(p.start);
    shifts.push(p.shift);
  }
  const last = kept[kept.length - 1];
  return last ? new AddressMap(Float64Array.from(starts), Float64Array.from(shifts), last.start + last.length) : AddressMap.empty;
}
