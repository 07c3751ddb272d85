// Minimal ELF files built in memory for the transform tests: a header, two PT_LOAD segments (code, executable,
// at CODE_VA; data at DATA_VA) and a section table naming them .text and .data, as a linker lays them out.
export const CODE_VA = 0x10000;
export const DATA_VA = 0x400000;
const EM = { x86_64: 62, aarch64: 183, arm: 40 } as const;
export type Arch = keyof typeof EM;

export function makeElf(arch: Arch, code: Uint8Array, data: Uint8Array, opts: { thumb?: boolean } = {}): Buffer {
  const is64 = arch !== 'arm';
  const ehsize = is64 ? 64 : 52;
  const phsize = is64 ? 56 : 32;
  const shsize = is64 ? 64 : 40;
  const codeOff = 0x1000;
  const dataOff = codeOff + Math.ceil(code.length / 0x1000) * 0x1000;
  const strtab = Buffer.from('\0.text\0.data\0.shstrtab\0', 'latin1');
  const strOff = dataOff + data.length;
  const shoff = Math.ceil((strOff + strtab.length) / 8) * 8;
  const b = Buffer.alloc(shoff + 4 * shsize);
  b.writeUInt32BE(0x7f454c46, 0);
  b[4] = is64 ? 2 : 1;
  b[5] = 1;
  b[6] = 1;
  b.writeUInt16LE(2, 16); // ET_EXEC
  b.writeUInt16LE(EM[arch], 18);
  b.writeUInt32LE(1, 20);
  const word = (v: number, at: number) => (is64 ? b.writeBigUInt64LE(BigInt(v), at) : b.writeUInt32LE(v, at));
  word(CODE_VA + (opts.thumb ? 1 : 0), 24);
  word(ehsize, is64 ? 32 : 28); // phoff
  word(shoff, is64 ? 40 : 32);
  b.writeUInt16LE(ehsize, is64 ? 52 : 40);
  b.writeUInt16LE(phsize, is64 ? 54 : 42);
  b.writeUInt16LE(2, is64 ? 56 : 44);
  b.writeUInt16LE(shsize, is64 ? 58 : 46);
  b.writeUInt16LE(4, is64 ? 60 : 48);
  b.writeUInt16LE(3, is64 ? 62 : 50);
  const segs = [
    { off: codeOff, va: CODE_VA, size: code.length, flags: 5 },
    { off: dataOff, va: DATA_VA, size: data.length, flags: 6 },
  ];
  segs.forEach((s, i) => {
    const p = ehsize + i * phsize;
    b.writeUInt32LE(1, p);
    if (is64) {
      b.writeUInt32LE(s.flags, p + 4);
      for (const [k, v] of [
        [8, s.off],
        [16, s.va],
        [24, s.va],
        [32, s.size],
        [40, s.size],
        [48, 0x1000],
      ] as const)
        b.writeBigUInt64LE(BigInt(v), p + k);
    } else {
      for (const [k, v] of [
        [4, s.off],
        [8, s.va],
        [12, s.va],
        [16, s.size],
        [20, s.size],
        [24, s.flags],
        [28, 0x1000],
      ] as const)
        b.writeUInt32LE(v, p + k);
    }
  });
  Buffer.from(code).copy(b, codeOff);
  Buffer.from(data).copy(b, dataOff);
  strtab.copy(b, strOff);
  const sections = [
    { name: 1, type: 1, flags: 6, va: CODE_VA, off: codeOff, size: code.length },
    { name: 7, type: 1, flags: 3, va: DATA_VA, off: dataOff, size: data.length },
    { name: 13, type: 3, flags: 0, va: 0, off: strOff, size: strtab.length },
  ];
  sections.forEach((s, i) => {
    const p = shoff + (i + 1) * shsize;
    b.writeUInt32LE(s.name, p);
    b.writeUInt32LE(s.type, p + 4);
    if (is64) {
      for (const [k, v] of [
        [8, s.flags],
        [16, s.va],
        [24, s.off],
        [32, s.size],
      ] as const)
        b.writeBigUInt64LE(BigInt(v), p + k);
    } else {
      for (const [k, v] of [
        [8, s.flags],
        [12, s.va],
        [16, s.off],
        [20, s.size],
      ] as const)
        b.writeUInt32LE(v, p + k);
    }
  });
  return b;
}
