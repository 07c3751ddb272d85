// The little of an ELF file the executable transform needs: class, machine, and where its loaded segments and
// named sections lie in the file and in memory. Read-only and bounds-checked: the bytes come from a basis the
// delta names by range, so a damaged or hostile file gives `null` (no transform), never an exception.

export const enum ElfMachine {
  X86_64 = 62,
  Arm = 40,
  Aarch64 = 183,
}

export interface ElfSegment {
  fileOffset: number;
  vaddr: number;
  fileSize: number;
  memSize: number;
  executable: boolean;
}

export interface ElfSection {
  /** Index in the section header table (how a delta names it). */
  index: number;
  name: string;
  vaddr: number;
  /** Where its bytes lie in the file (none for noBits). */
  fileOffset: number;
  size: number;
  /** SHT_NOBITS (.bss): in memory, not in the file. */
  noBits: boolean;
}

export interface ElfImage {
  machine: ElfMachine;
  is64: boolean;
  /** Entry point (on 32-bit ARM its low bit says Thumb). */
  entry: number;
  /** PT_LOAD segments with file bytes inside the file, in file order. */
  segments: ElfSegment[];
  sections: ElfSection[];
}

const MAGIC = 0x464c457f; // "\x7fELF" read little-endian
const PT_LOAD = 1;
const PF_X = 1;
const SHT_NOBITS = 8;
const MAX_HEADERS = 4096;

/** Whether these bytes start like a little-endian ELF file of a machine the transform knows. */
export function looksLikeElf(b: Uint8Array, at = 0): boolean {
  if (at + 20 > b.length) return false;
  if ((b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) !== MAGIC) return false;
  if (b[at + 5] !== 1) return false; // little-endian only
  const machine = b[at + 18]! | (b[at + 19]! << 8);
  return machine === ElfMachine.X86_64 || machine === ElfMachine.Aarch64 || machine === ElfMachine.Arm;
}

export function readElfImage(b: Uint8Array): ElfImage | null {
  if (!looksLikeElf(b) || b.length < 52) return null;
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  const is64 = b[4] === 2;
  if (!is64 && b[4] !== 1) return null;
  if (is64 && b.length < 64) return null;
  const machine = v.getUint16(18, true) as ElfMachine;
  if ((machine === ElfMachine.Arm) === is64) return null; // arm is 32-bit, the others 64-bit
  const word = (o: number) => (is64 ? Number(v.getBigUint64(o, true)) : v.getUint32(o, true));
  const entry = word(24);
  const phoff = word(is64 ? 32 : 28);
  const shoff = word(is64 ? 40 : 32);
  const phentsize = v.getUint16(is64 ? 54 : 42, true);
  const phnum = v.getUint16(is64 ? 56 : 44, true);
  const shentsize = v.getUint16(is64 ? 58 : 46, true);
  const shnum = v.getUint16(is64 ? 60 : 48, true);
  const shstrndx = v.getUint16(is64 ? 62 : 50, true);
  const fits = (off: number, len: number) => Number.isSafeInteger(off) && off >= 0 && off + len <= b.length;

  const segments: ElfSegment[] = [];
  if (phentsize >= (is64 ? 56 : 32) && phnum <= MAX_HEADERS && fits(phoff, phnum * phentsize)) {
    for (let i = 0; i < phnum; i++) {
      const p = phoff + i * phentsize;
      if (v.getUint32(p, true) !== PT_LOAD) continue;
      const flags = v.getUint32(is64 ? p + 4 : p + 24, true);
      const seg: ElfSegment = is64
        ? { fileOffset: word(p + 8), vaddr: word(p + 16), fileSize: word(p + 32), memSize: word(p + 40), executable: (flags & PF_X) !== 0 }
        : { fileOffset: word(p + 4), vaddr: word(p + 8), fileSize: word(p + 16), memSize: word(p + 20), executable: (flags & PF_X) !== 0 };
      if (!Number.isSafeInteger(seg.vaddr + seg.memSize) || seg.memSize < seg.fileSize) continue;
      seg.fileSize = Math.max(0, Math.min(seg.fileSize, b.length - seg.fileOffset));
      if (seg.fileOffset >= 0 && seg.fileOffset <= b.length) segments.push(seg);
    }
  }
  segments.sort((x, y) => x.fileOffset - y.fileOffset);

  const sections: ElfSection[] = [];
  if (shentsize >= (is64 ? 64 : 40) && shnum <= MAX_HEADERS * 16 && fits(shoff, shnum * shentsize) && shstrndx < shnum) {
    const sh = (i: number) => shoff + i * shentsize;
    const strOff = word(sh(shstrndx) + (is64 ? 24 : 16));
    const strSize = word(sh(shstrndx) + (is64 ? 32 : 20));
    const strFits = fits(strOff, strSize);
    for (let i = 1; i < shnum; i++) {
      const s = sh(i);
      const nameAt = v.getUint32(s, true);
      let name = '';
      if (strFits && nameAt < strSize) {
        let end = strOff + nameAt;
        while (end < strOff + strSize && b[end] !== 0 && end - strOff - nameAt < 64) end++;
        name = Buffer.from(b.buffer, b.byteOffset + strOff + nameAt, end - strOff - nameAt).toString('latin1');
      }
      const type = v.getUint32(s + 4, true);
      const vaddr = word(s + (is64 ? 16 : 12));
      const fileOffset = word(s + (is64 ? 24 : 16));
      const size = word(s + (is64 ? 32 : 20));
      if (vaddr !== 0 && Number.isSafeInteger(vaddr + size))
        sections.push({ index: i, name, vaddr, fileOffset, size, noBits: type === SHT_NOBITS });
    }
  }
  return { machine, is64, entry, segments, sections };
}

/** Memory address of a file offset, or -1 when no loaded segment holds it. */
export function vaddrOf(elf: ElfImage, fileOffset: number): number {
  for (const s of elf.segments) {
    if (fileOffset >= s.fileOffset && fileOffset < s.fileOffset + s.fileSize) return s.vaddr + (fileOffset - s.fileOffset);
  }
  return -1;
}

/** File offset of a memory address, or -1 when no loaded segment holds it in the file. */
export function fileOffsetOf(elf: ElfImage, vaddr: number): number {
  for (const s of elf.segments) {
    if (vaddr >= s.vaddr && vaddr < s.vaddr + s.fileSize) return s.fileOffset + (vaddr - s.vaddr);
  }
  return -1;
}

/** The lowest and highest address any loaded segment covers. */
export function addressSpan(elf: ElfImage): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of elf.segments) {
    lo = Math.min(lo, s.vaddr);
    hi = Math.max(hi, s.vaddr + s.memSize);
  }
  return lo < hi ? [lo, hi] : [0, 0];
}
