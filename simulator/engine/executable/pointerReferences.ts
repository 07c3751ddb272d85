// Absolute addresses stored in a program's data: pointer tables, relocation entries (r_offset, r_addend), GOT
// entries, type descriptors. In the sections the delta names, any aligned word whose value falls inside the
// program is taken for a pointer and predicted by the address map. Which sections: the creator tries every
// data section and keeps those where the prediction matches the new file more often than the old bytes did
// (in a position-independent program small integers look like addresses too).
import { addressSpan, type ElfImage } from './elfImage.js';
import type { AddressMap } from './addressMap.js';

/** Predicts, in `dst`, the pointers of `src`'s data `sections`. Returns how many words it rewrote; with
 *  `rewritten`, appends each one's file offset and section index there (the creator weighs the sections with
 *  them: a list, not a callback, since a closure per program made V8 throw the optimised scan away at each
 *  program, "wrong call target"). */
export function rewritePointers(
  src: Uint8Array,
  dst: Uint8Array,
  elf: ElfImage,
  map: AddressMap,
  sections: ReadonlySet<number>,
  rewritten?: number[],
): number {
  const [lo, hi] = addressSpan(elf);
  const view = new DataView(src.buffer, src.byteOffset, src.length);
  const out = new DataView(dst.buffer, dst.byteOffset, dst.length);
  const w = elf.is64 ? 8 : 4;
  let count = 0;
  for (const s of elf.sections) {
    if (s.noBits || !sections.has(s.index)) continue;
    const first = s.fileOffset + ((w - (s.vaddr % w)) % w);
    const end = Math.min(s.fileOffset + s.size, src.length) - w;
    count += elf.is64
      ? scan64(view, out, first, end, lo, hi, map, s.index, rewritten)
      : scan32(view, out, first, end, lo, hi, map, s.index, rewritten);
  }
  return count;
}

// The scans of one section's aligned words [first, end], functions of their own: V8 optimises a loop while it
// runs, and code after it that had not run yet (the next section, the next program) would throw that optimised
// code away when first reached.

function scan64(
  view: DataView,
  out: DataView,
  first: number,
  end: number,
  lo: number,
  hi: number,
  map: AddressMap,
  section: number,
  rewritten: number[] | undefined,
): number {
  let count = 0;
  for (let p = first; p <= end; p += 8) {
    const v = view.getUint32(p, true) + view.getUint32(p + 4, true) * 2 ** 32;
    if (v < lo || v >= hi) continue;
    const m = map.map(v);
    if (m !== m || m === v || m < 0) continue;
    out.setUint32(p, m % 2 ** 32, true);
    out.setUint32(p + 4, Math.floor(m / 2 ** 32), true);
    count++;
    rewritten?.push(p, section);
  }
  return count;
}

function scan32(
  view: DataView,
  out: DataView,
  first: number,
  end: number,
  lo: number,
  hi: number,
  map: AddressMap,
  section: number,
  rewritten: number[] | undefined,
): number {
  let count = 0;
  for (let p = first; p <= end; p += 4) {
    const v = view.getUint32(p, true);
    if (v < lo || v >= hi) continue;
    const m = map.map(v);
    if (m !== m || m === v || m < 0 || m >= 2 ** 32) continue;
    out.setUint32(p, m, true);
    count++;
    rewritten?.push(p, section);
  }
  return count;
}
