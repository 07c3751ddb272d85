// Executable-aware deltas. A rebuilt program differs from the old one mostly in its references: code and data
// moved, so every call, branch and address that crosses a move changes, scattered over the whole file, and
// a byte delta pays for each. Here the old program is turned into a prediction of the new one before
// matching: each reference in the old code is rewritten to where its position and its target went, by an
// address map that the creator derives from a first alignment of the two files and carries in the delta
// (Zucchini's reference projection, without its label tables). The device makes the same prediction from
// its old file and the map, and applies an ordinary byte delta against it; the prediction never has to be
// right, only close (what it gets wrong is in the diff).
//
// Decided per file by content: in a tar layer every new ELF file (x86-64, aarch64, 32-bit arm) whose old
// counterpart (same path, else same name once version numbers are set aside) is an ELF of the same machine.
import { findMatches } from '../matchFinder.js';
import { TripleList } from '../tripleList.js';
import { readTarLayout, type TarEntryLayout } from '../tarLayout.js';
import { ByteSink, VarintReader } from '../varint.js';
import { corrupt } from '../../shared/errors.js';
import { AddressMap, buildAddressMap, type AlignedRun } from './addressMap.js';
import { fileOffsetOf, looksLikeElf, readElfImage, vaddrOf, type ElfImage } from './elfImage.js';
import { rewritePointersOnly, rewriteReferences } from './references.js';

/** One old ELF file, where it lies in the old input, and how its addresses moved. */
export interface ExecutableTransform {
  oldStart: number;
  oldLength: number;
  map: AddressMap;
  /** Old sections (header indices) whose aligned words are predicted as pointers. */
  pointerSections: number[];
}

const MIN_FILE = 4096;
// The first alignment only needs where blocks of the program went, not every short match: an index 8 times
// sparser (matches of 32 bytes and more), built in a fraction of the time.
const ALIGN_SPARSE = 3;

/** Version numbers and hashes set aside, so that libfoo.so.1.2.3 pairs with libfoo.so.1.2.4. */
const looseName = (path: string) => path.replace(/\d+/g, '#');

export interface FilePair {
  old: Uint8Array;
  oldStart: number;
  next: Uint8Array;
  newStart: number;
}

/** Entries of two tar layouts that hold the same program: each new ELF entry (as `isElf` says) with the old
 *  one of the same path, else of the same name once digits are set aside (when that name is unambiguous). */
export function pairProgramEntries(
  oldEntries: readonly TarEntryLayout[],
  newEntries: readonly TarEntryLayout[],
  isOldElf: (e: TarEntryLayout) => boolean,
  isNewElf: (e: TarEntryLayout) => boolean,
): [TarEntryLayout, TarEntryLayout][] {
  const regular = (e: TarEntryLayout) => (e.type === '0' || e.type === '7') && e.size >= MIN_FILE;
  const oldElves = oldEntries.filter((e) => regular(e) && isOldElf(e));
  const byPath = new Map(oldElves.map((e) => [e.path, e]));
  const byLoose = new Map<string, TarEntryLayout | null>();
  for (const e of oldElves) byLoose.set(looseName(e.path), byLoose.has(looseName(e.path)) ? null : e); // ambiguous: null
  const pairs: [TarEntryLayout, TarEntryLayout][] = [];
  const used = new Set<TarEntryLayout>();
  for (const e of newEntries) {
    if (!regular(e) || !isNewElf(e)) continue;
    const o = byPath.get(e.path) ?? byLoose.get(looseName(e.path)) ?? undefined;
    if (!o || used.has(o)) continue;
    used.add(o);
    pairs.push([o, e]);
  }
  return pairs;
}

function elfPairs(old: Uint8Array, next: Uint8Array): FilePair[] {
  if (looksLikeElf(old) && looksLikeElf(next)) return [{ old, oldStart: 0, next, newStart: 0 }];
  const oldEntries = readTarLayout(old);
  const newEntries = readTarLayout(next);
  if (!oldEntries || !newEntries) return [];
  const entries = pairProgramEntries(
    oldEntries,
    newEntries,
    (e) => looksLikeElf(old, e.dataStart),
    (e) => looksLikeElf(next, e.dataStart),
  );
  return entries.map(([o, e]) => ({
    old: old.subarray(o.dataStart, o.dataStart + o.size),
    oldStart: o.dataStart,
    next: next.subarray(e.dataStart, e.dataStart + e.size),
    newStart: e.dataStart,
  }));
}

/** The transform of one program pair from the runs that align them (file offsets), or undefined when the
 *  programs are of different machines or nothing moved. */
export function planProgram(p: FilePair, runs: readonly AlignedRun[]): ExecutableTransform | undefined {
  const oldElf = readElfImage(p.old);
  const newElf = readElfImage(p.next);
  if (!oldElf || !newElf || oldElf.machine !== newElf.machine) return undefined;
  const map = buildAddressMap(oldElf, newElf, runs);
  if (map.size === 0 || (map.size === 1 && map.shifts[0] === 0)) return undefined;
  return { oldStart: p.oldStart, oldLength: p.old.length, map, pointerSections: choosePointerSections(p, oldElf, newElf, map) };
}

/** What the creator carries: one transform per ELF pair whose map says anything moved (each pair aligned by a
 *  first, sparse match pass of its own). */
export function planExecutableTransforms(old: Uint8Array, next: Uint8Array): ExecutableTransform[] {
  const out: ExecutableTransform[] = [];
  for (const p of elfPairs(old, next)) {
    if (p.old[18] !== p.next[18] || p.old[19] !== p.next[19] || p.old[4] !== p.next[4]) continue; // machine, class
    const triples = new TripleList();
    findMatches(p.old, p.next, [], triples, { sparse: ALIGN_SPARSE });
    const runs = triples.runs();
    const t = planProgram(p, runs);
    if (t) out.push(t);
  }
  return out;
}

/** The runs (offsets in the buffers the pair's files lie in) that align its old file with its new file, in
 *  file offsets. */
export function runsInside(aligned: readonly AlignedRun[], p: FilePair): AlignedRun[] {
  const out: AlignedRun[] = [];
  for (const r of aligned) {
    const from = Math.max(0, p.oldStart - r.oldOffset, p.newStart - r.newOffset);
    const to = Math.min(r.length, p.oldStart + p.old.length - r.oldOffset, p.newStart + p.next.length - r.newOffset);
    if (to > from) out.push({ oldOffset: r.oldOffset + from - p.oldStart, newOffset: r.newOffset + from - p.newStart, length: to - from });
  }
  return out;
}

/** The old data sections where predicting aligned words as pointers brings them closer to the new file. */
function choosePointerSections(p: FilePair, oldElf: ElfImage, newElf: ElfImage, map: AddressMap): number[] {
  const exec = oldElf.segments.filter((s) => s.executable);
  const candidates = oldElf.sections.filter(
    (s) => !s.noBits && !exec.some((e) => s.fileOffset >= e.fileOffset && s.fileOffset < e.fileOffset + e.fileSize),
  );
  const scratch = Buffer.allocUnsafeSlow(p.old.length);
  scratch.set(p.old);
  // gain per section index: a plain array, no map lookups
  const gain: number[] = [];
  const w = oldElf.is64 ? 8 : 4;
  const old = p.old;
  const next = p.next;
  const rewritten: number[] = [];
  rewritePointersOnly(old, scratch, oldElf, map, new Set(candidates.map((s) => s.index)), rewritten);
  for (let k = 0; k < rewritten.length; k += 2) {
    const at = rewritten[k]!;
    const section = rewritten[k + 1]!;
    const n = fileOffsetOf(newElf, map.map(vaddrOf(oldElf, at)));
    if (n < 0 || n + w > next.length) continue;
    let g = 0;
    for (let i = 0; i < w; i++) {
      const x = next[n + i];
      g += (scratch[at + i] === x ? 1 : 0) - (old[at + i] === x ? 1 : 0);
    }
    gain[section] = (gain[section] ?? 0) + g;
  }
  const chosen: number[] = [];
  gain.forEach((g, s) => {
    if (g > 0) chosen.push(s);
  });
  return chosen;
}

/** Rewrites the references of one old ELF file (src) into dst (a copy of it). */
function rewriteFile(src: Uint8Array, dst: Uint8Array, map: AddressMap, pointerSections: readonly number[]): number {
  const elf = readElfImage(src);
  if (!elf) return 0;
  return rewriteReferences(src, dst, elf, map, new Set(pointerSections));
}

/** The old input with every transform's references rewritten: what the byte delta is made and applied
 *  against. `old` itself is left as it is; with no transforms it is returned unchanged. */
export function predictNew(old: Uint8Array, transforms: readonly ExecutableTransform[]): Uint8Array {
  if (transforms.length === 0) return old;
  // not zero-filled first: every byte is copied over at once
  const out = Buffer.allocUnsafeSlow(old.length);
  out.set(old);
  for (const t of transforms) {
    rewriteFile(
      old.subarray(t.oldStart, t.oldStart + t.oldLength),
      out.subarray(t.oldStart, t.oldStart + t.oldLength),
      t.map,
      t.pointerSections,
    );
  }
  return out;
}

/** Predicts one transform's program in place (`file` is its bytes, in a window of old). */
export function predictInPlace(file: Uint8Array, t: ExecutableTransform): void {
  const src = Buffer.from(file); // the rewriters read the original while they write the prediction
  rewriteFile(src, file, t.map, t.pointerSections);
}

export function encodeExecutableTransforms(ts: readonly ExecutableTransform[]): Uint8Array {
  const sink = new ByteSink(1024);
  sink.uint(ts.length);
  let prevEnd = 0;
  for (const t of ts) {
    sink.uint(t.oldStart - prevEnd);
    sink.uint(t.oldLength);
    t.map.encode(sink);
    sink.uint(t.pointerSections.length);
    let prev = 0;
    for (const s of t.pointerSections) {
      sink.uint(s - prev);
      prev = s;
    }
    prevEnd = t.oldStart + t.oldLength;
  }
  return sink.bytes().slice();
}

/** Parses the transforms of a delta and checks them against the basis size (sorted, not overlapping). */
export function decodeExecutableTransforms(b: Uint8Array, oldSize: number): ExecutableTransform[] {
  const r = new VarintReader(b);
  const n = r.uint();
  if (n > b.length) throw corrupt('delta lists more executable transforms than it can hold');
  const out: ExecutableTransform[] = [];
  let prevEnd = 0;
  for (let i = 0; i < n; i++) {
    const oldStart = prevEnd + r.uint();
    const oldLength = r.uint();
    if (oldStart + oldLength > oldSize) throw corrupt('delta executable transform lies outside the basis');
    const map = AddressMap.decode(r, b.length);
    const count = r.uint();
    if (count > b.length) throw corrupt('delta lists more pointer sections than it can hold');
    const pointerSections: number[] = [];
    for (let k = 0, s = 0; k < count; k++) pointerSections.push((s += r.uint()));
    out.push({ oldStart, oldLength, map, pointerSections });
    prevEnd = oldStart + oldLength;
  }
  if (r.remaining !== 0) throw corrupt('unexpected bytes after the executable transforms');
  return out;
}
