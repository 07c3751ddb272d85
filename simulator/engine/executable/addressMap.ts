// Where the old program's addresses went in the new one: a step function over old addresses, as a sorted list
// of (start, shift) breakpoints, each shift holding until the next breakpoint and nothing mapped past `end`.
// Made by the delta's creator from how the matcher aligned old and new (it has both), carried in the delta,
// and used on both sides to predict the new program's references from the old one's.
import type { ByteSink, VarintReader } from '../varint.js';
import { corrupt } from '../../shared/errors.js';
import { vaddrOf, type ElfImage } from './elfImage.js';

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

  /** The new address of old address `a`, or NaN when the map says nothing about it. */
  map(a: number): number {
    const s = this.starts;
    if (s.length === 0 || a < s[0]! || a >= this.end) return NaN;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (s[mid]! <= a) lo = mid;
      else hi = mid - 1;
    }
    return a + this.shifts[lo]!;
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

/** The address map of an old ELF file to a new one, from the matcher's aligned runs (file offsets), plus the
 *  sections without file bytes (.bss and the like) paired by name. */
export function buildAddressMap(oldElf: ElfImage, newElf: ElfImage, runs: readonly AlignedRun[]): AddressMap {
  const pieces: Piece[] = [];
  for (const r of runs) {
    if (r.length < MIN_RUN) continue;
    let done = 0;
    // split at segment ends on either side: each part has one shift
    while (done < r.length) {
      const oa = vaddrOf(oldElf, r.oldOffset + done);
      const na = vaddrOf(newElf, r.newOffset + done);
      const oSeg = oldElf.segments.find((s) => r.oldOffset + done >= s.fileOffset && r.oldOffset + done < s.fileOffset + s.fileSize);
      const nSeg = newElf.segments.find((s) => r.newOffset + done >= s.fileOffset && r.newOffset + done < s.fileOffset + s.fileSize);
      if (oa < 0 || na < 0 || !oSeg || !nSeg) break;
      const len = Math.min(r.length - done, oSeg.fileOffset + oSeg.fileSize - (r.oldOffset + done), nSeg.fileOffset + nSeg.fileSize - (r.newOffset + done));
      if (len >= MIN_RUN) pieces.push({ start: oa, length: len, shift: na - oa });
      done += len;
    }
  }
  const newByName = new Map(newElf.sections.filter((s) => s.noBits).map((s) => [s.name, s]));
  for (const s of oldElf.sections) {
    const n = s.noBits && s.name !== '.tbss' ? newByName.get(s.name) : undefined;
    if (n && s.size > 0) pieces.push({ start: s.vaddr, length: s.size, shift: n.vaddr - s.vaddr });
  }
  pieces.sort((a, b) => a.start - b.start || b.length - a.length);

  // one piece per address: a later piece starts where the one before it ends
  const flat: Piece[] = [];
  for (const p of pieces) {
    const last = flat[flat.length - 1];
    const lastEnd = last ? last.start + last.length : -Infinity;
    if (p.start + p.length <= lastEnd) continue;
    const start = Math.max(p.start, lastEnd);
    flat.push({ start, length: p.start + p.length - start, shift: p.shift });
  }
  // islands: a short piece between two that move together
  const kept = flat.filter((p, i) => !(p.length < ISLAND && i > 0 && i < flat.length - 1 && flat[i - 1]!.shift === flat[i + 1]!.shift && p.shift !== flat[i - 1]!.shift));
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
