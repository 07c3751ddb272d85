// Absolute addresses stored in a program's data: pointer tables, relocation entries (r_offset, r_addend), GOT
// entries, type descriptors. In the sections the delta names, any aligned word whose value falls inside the
// program is taken for a pointer and predicted by the address map. Which sections: the creator tries every
// data section and keeps those where the prediction matches the new file more often than the old bytes did
// (in a position-independent program small integers look like addresses too).
import { addressSpan, type ElfImage } from './elfImage.js';
import type { AddressMap } from './addressMap.js';

export function rewritePointers(
  src: Uint8Array,
  dst: Uint8Array,
  elf: ElfImage,
  map: AddressMap,
  sections: ReadonlySet<number>,
  onRewrite?: (at: number, section: number) => void,
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
    for (let p = first; p <= end; p += w) {
      const v = elf.is64 ? view.getUint32(p, true) + view.getUint32(p + 4, true) * 2 ** 32 : view.getUint32(p, true);
      if (v < lo || v >= hi) continue;
      const m = map.map(v);
      if (m !== m || m === v || m < 0) continue;
      if (elf.is64) {
        out.setUint32(p, m % 2 ** 32, true);
        out.setUint32(p + 4, Math.floor(m / 2 ** 32), true);
      } else if (m < 2 ** 32) out.setUint32(p, m, true);
      else continue;
      count++;
      onRewrite?.(p, s.index);
    }
  }
  return count;
}
