// AArch64 references: every instruction is one aligned 32-bit word, so the scan decodes the code exactly.
// PC-relative immediates: B/BL (26 bits), B.cond, CBZ/CBNZ, LDR literal (19 bits), TBZ/TBNZ (14 bits), ADR
// (21 bits), and ADRP paired with the ADD or LDR/STR that supplies the low 12 bits of the same address (both
// change when a target moves by anything but whole pages).
import { addressSpan, type ElfImage } from './elfImage.js';
import type { AddressMap } from './addressMap.js';

const signed = (v: number, bits: number) => (v << (32 - bits)) >> (32 - bits);
const PAGE = 4096;
const page = (a: number) => Math.floor(a / PAGE) * PAGE;
const PAIR_WINDOW = 4; // instructions after an ADRP searched for the one that completes its address

interface Field {
  shift: number; // where the immediate starts
  bits: number;
}
const IMM26: Field = { shift: 0, bits: 26 };
const IMM19: Field = { shift: 5, bits: 19 };
const IMM14: Field = { shift: 5, bits: 14 };

function branchField(w: number): Field | undefined {
  if ((w & 0x7c000000) === 0x14000000) return IMM26; // B, BL
  if ((w & 0xff000010) === 0x54000000) return IMM19; // B.cond
  if ((w & 0x7e000000) === 0x34000000) return IMM19; // CBZ, CBNZ
  if ((w & 0x3b000000) === 0x18000000) return IMM19; // LDR (literal), LDRSW, PRFM
  if ((w & 0x7e000000) === 0x36000000) return IMM14; // TBZ, TBNZ
  return undefined;
}

// Whether an instruction's top byte may belong to one of the above or ADR/ADRP (every mask below and in
// branchField lies in the top byte, but for B.cond's bit 4): most words (loads, stores, arithmetic) are
// passed over with one table lookup, exactly those the full checks would pass over.
const MAYBE = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  const maybe =
    (b & 0x7c) === 0x14 || b === 0x54 || (b & 0x7e) === 0x34 || (b & 0x3b) === 0x18 || (b & 0x7e) === 0x36 || (b & 0x1f) === 0x10;
  MAYBE[b] = maybe ? 1 : 0;
}

const adrImm = (w: number) => signed((((w >>> 5) & 0x7ffff) << 2) | ((w >>> 29) & 3), 21);
const withAdrImm = (w: number, imm: number) => ((w & 0x9f00001f) | ((imm & 3) << 29) | (((imm >> 2) & 0x7ffff) << 5)) >>> 0;

/** The low-12-bit scale of the instruction completing an ADRP whose destination is `rd`, or -1. */
function lowBitsScale(w: number, rd: number): number {
  if (((w >>> 5) & 31) !== rd) return -1;
  if ((w & 0xffc00000) >>> 0 === 0x91000000) return 0; // ADD Xd, Xn, #imm12
  if ((w & 0x3b000000) === 0x39000000) {
    // LDR/STR (unsigned offset): the size field scales the immediate; 128-bit SIMD registers scale by 16
    const size = w >>> 30;
    const simd128 = (w & 0x04000000) !== 0 && (w & 0x00800000) !== 0 && size === 0;
    return simd128 ? 4 : size;
  }
  return -1;
}

/** Writes word w at `at` of `out` when it differs from `view`'s: 1 when it did, else 0. A function of its own,
 *  not a closure per call of rewriteArm64, so that V8 keeps the scan's optimised code from file to file. */
function putWord(view: DataView, out: DataView, at: number, w: number): number {
  if (w >>> 0 === view.getUint32(at, true)) return 0;
  out.setUint32(at, w >>> 0, true);
  return 1;
}

export function rewriteArm64(src: Uint8Array, dst: Uint8Array, elf: ElfImage, map: AddressMap): number {
  const [lo, hi] = addressSpan(elf);
  const view = new DataView(src.buffer, src.byteOffset, src.length);
  const out = new DataView(dst.buffer, dst.byteOffset, dst.length);
  let count = 0;
  for (const seg of elf.segments) {
    if (!seg.executable) continue;
    const first = seg.fileOffset + ((4 - (((seg.vaddr % 4) + 4) % 4)) % 4);
    count += scanCode(view, out, first, seg.fileOffset + seg.fileSize - 3, seg.vaddr - seg.fileOffset, lo, hi, map);
  }
  return count;
}

/** The scan of one executable segment's words [first, end), `toVa` from file offsets to addresses. A function of
 *  its own: V8 optimises a loop while it runs, and code after it that had not run yet (the next segment, the
 *  next program) would throw that optimised code away when first reached. */
function scanCode(
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
  for (let p = first; p < end; p += 4) {
    const w = view.getUint32(p, true);
    if (MAYBE[w >>> 24] === 0) continue;
    const pc = p + toVa;
    const f = branchField(w);
    if (f) {
      const target = pc + signed((w >>> f.shift) & ((1 << f.bits) - 1), f.bits) * 4;
      if (target < lo || target >= hi) continue;
      const imm = (map.map(target) - map.map(pc)) / 4;
      if (!Number.isInteger(imm) || imm < -(2 ** (f.bits - 1)) || imm >= 2 ** (f.bits - 1)) continue;
      const mask = ((1 << f.bits) - 1) << f.shift;
      count += putWord(view, out, p, (w & ~mask) | ((imm << f.shift) & mask));
      continue;
    }
    const op = w & 0x9f000000;
    if (op === 0x10000000) {
      // ADR
      const target = pc + adrImm(w);
      if (target < lo || target >= hi) continue;
      const imm = map.map(target) - map.map(pc);
      if (Number.isInteger(imm) && imm >= -(2 ** 20) && imm < 2 ** 20) count += putWord(view, out, p, withAdrImm(w, imm));
    } else if (op >>> 0 === 0x90000000) {
      // ADRP: find the instruction that adds the low bits to the same register
      const rd = w & 31;
      for (let k = 1; k <= PAIR_WINDOW && p + 4 * k < end; k++) {
        const w2 = view.getUint32(p + 4 * k, true);
        const scale = lowBitsScale(w2, rd);
        if (scale < 0) continue;
        const low = ((w2 >>> 10) & 0xfff) << scale;
        const target = page(pc) + adrImm(w) * PAGE + low;
        if (target < lo || target >= hi) break;
        const t2 = map.map(target);
        const pc2 = map.map(pc);
        if (!Number.isInteger(t2) || !Number.isInteger(pc2)) break;
        const pages = (page(t2) - page(pc2)) / PAGE;
        const low2 = t2 - page(t2);
        if (pages < -(2 ** 20) || pages >= 2 ** 20 || low2 % (1 << scale) !== 0) break;
        count += putWord(view, out, p, withAdrImm(w, pages));
        count += putWord(view, out, p + 4 * k, ((w2 & ~(0xfff << 10)) | ((low2 >>> scale) << 10)) >>> 0);
        break;
      }
    }
  }
  return count;
}
