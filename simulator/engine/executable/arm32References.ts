// 32-bit ARM references. Thumb-2 code (what Debian's armhf packages are built as): BL, BLX and B.W, each two
// half-words holding a 24-bit offset, found by a scan at half-word steps. ARM-mode code (entry point with
// the low bit clear, as Go builds it): B and BL, a 24-bit word offset in one aligned word.
import { addressSpan, type ElfImage } from './elfImage.js';
import type { AddressMap } from './addressMap.js';

const signed = (v: number, bits: number) => (v << (32 - bits)) >> (32 - bits);

/** Offset of a Thumb-2 BL/BLX/B.W whose half-words are h1, h2. */
function thumbOffset(h1: number, h2: number): number {
  const s = (h1 >>> 10) & 1;
  const i1 = ~((h2 >>> 13) ^ s) & 1;
  const i2 = ~((h2 >>> 11) ^ s) & 1;
  return signed((s << 24) | (i1 << 23) | (i2 << 22) | ((h1 & 0x3ff) << 12) | ((h2 & 0x7ff) << 1), 25);
}

function thumbHalves(h1: number, h2: number, off: number): [number, number] {
  const s = (off >>> 24) & 1;
  const j1 = (~((off >>> 23) & 1) ^ s) & 1;
  const j2 = (~((off >>> 22) & 1) ^ s) & 1;
  return [(h1 & 0xf800) | (s << 10) | ((off >>> 12) & 0x3ff), (h2 & 0xd000) | (j1 << 13) | (j2 << 11) | ((off >>> 1) & 0x7ff)];
}

export function rewriteArm32(src: Uint8Array, dst: Uint8Array, elf: ElfImage, map: AddressMap): number {
  const [lo, hi] = addressSpan(elf);
  const view = new DataView(src.buffer, src.byteOffset, src.length);
  const out = new DataView(dst.buffer, dst.byteOffset, dst.length);
  const thumb = (elf.entry & 1) === 1 || elf.entry === 0;
  let count = 0;
  for (const seg of elf.segments) {
    if (!seg.executable) continue;
    const toVa = seg.vaddr - seg.fileOffset;
    const end = seg.fileOffset + seg.fileSize - 3;
    count += thumb
      ? scanThumb(view, out, seg.fileOffset + ((seg.vaddr & 1) === 1 ? 1 : 0), end, toVa, lo, hi, map)
      : scanArm(view, out, seg.fileOffset + ((4 - (seg.vaddr % 4)) % 4), end, toVa, lo, hi, map);
  }
  return count;
}

// The scans of one executable segment, functions of their own: V8 optimises a loop while it runs, and code
// after it that had not run yet (the next segment, the next program) would throw that optimised code away.

function scanThumb(
  view: DataView,
  out: DataView,
  first: number,
  end: number,
  toVa: number,
  lo: number,
  hi: number,
  map: AddressMap,
): number {
  let count = 0;
  for (let p = first; p < end; p += 2) {
    const h1 = view.getUint16(p, true);
    if ((h1 & 0xf800) !== 0xf000) continue;
    const h2 = view.getUint16(p + 2, true);
    const blx = (h2 & 0xd001) === 0xc000;
    if (!((h2 & 0xd000) === 0xd000 || (h2 & 0xd000) === 0x9000 || blx)) continue;
    const pc = p + toVa + 4;
    const base = blx ? pc & ~3 : pc;
    const target = base + thumbOffset(h1, h2);
    if (target < lo || target >= hi) continue;
    p += 2; // the second half-word is taken
    const t2 = map.map(target);
    const pc2 = map.map(pc);
    if (!Number.isInteger(t2) || !Number.isInteger(pc2)) continue;
    const off = t2 - (blx ? pc2 - (pc2 & 3) : pc2);
    if (off < -(2 ** 24) || off >= 2 ** 24 || off & 1 || (blx && off & 2) || off === target - base) continue;
    const [n1, n2] = thumbHalves(h1, h2, off);
    out.setUint16(p - 2, n1, true);
    out.setUint16(p, n2, true);
    count++;
  }
  return count;
}

function scanArm(view: DataView, out: DataView, first: number, end: number, toVa: number, lo: number, hi: number, map: AddressMap): number {
  let count = 0;
  for (let p = first; p < end; p += 4) {
    const w = view.getUint32(p, true);
    if ((w & 0x0e000000) !== 0x0a000000 || w >>> 28 === 0xf) continue; // B, BL (not BLX imm)
    const pc = p + toVa + 8;
    const target = pc + signed(w & 0xffffff, 24) * 4;
    if (target < lo || target >= hi) continue;
    const imm = (map.map(target) - map.map(pc)) / 4;
    if (!Number.isInteger(imm) || imm < -(2 ** 23) || imm >= 2 ** 23 || imm * 4 === target - pc) continue;
    out.setUint32(p, ((w & 0xff000000) | (imm & 0xffffff)) >>> 0, true);
    count++;
  }
  return count;
}
