// The executable transform, fuzzed with fixed seeds. Its core promise is that a rewritten reference decodes to
// where the address map sent its position and its target: each instruction kind is written at random places
// with random targets, rewritten under random moves, and decoded again by the independent decoders below
// (written from the architecture manuals, not from the engine's code). Then: random code and hostile maps
// never throw, never change a byte outside the program's loaded segments, and an identity map changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AddressMap } from '../../../../simulator/engine/executable/addressMap.js';
import { decodeExecutableTransforms, predictNew } from '../../../../simulator/engine/executable/executableTransform.js';
import { EdgePushError } from '../../../../simulator/shared/errors.js';
import { prng, randomBytes } from '../fixtures.js';
import { CODE_VA, DATA_VA, makeElf, type Arch } from './syntheticElf.js';

const CODE = 64 << 10;
const DATA = 64 << 10;
const sx = (v: number, bits: number) => (v << (32 - bits)) >> (32 - bits);

/** A map moving the code by `codeShift` and the data by `dataShift`. */
const moves = (codeShift: number, dataShift: number) =>
  new AddressMap(Float64Array.from([CODE_VA, DATA_VA]), Float64Array.from([codeShift, dataShift]), DATA_VA + DATA);

interface Ref {
  at: number; // offset in the code
  decode: (code: Buffer, pc: number) => number; // target address, decoded from the bytes at `at`
  target: number;
  /** CBZ reaches only 1 MiB: its targets are in the code, which moves with the code. */
  inCode?: boolean;
}

/** Code with references to random places in the data, the rest filled with no-ops. */
function codeWithRefs(arch: Arch, r: () => number): { code: Buffer; refs: Ref[] } {
  const code = Buffer.alloc(CODE);
  const refs: Ref[] = [];
  const dataTarget = (align: number) => DATA_VA + Math.floor((r() % (DATA - 64)) / align) * align;
  if (arch === 'x86_64') {
    code.fill(0x90);
    for (let at = 16; at + 16 < CODE; at += 16 + (r() % 8)) {
      const target = dataTarget(1);
      const lea = r() % 2 === 0;
      const field = at + (lea ? 3 : 1);
      if (lea) code.set([0x48, 0x8d, 0x05], at);
      else code[at] = 0xe8;
      code.writeInt32LE(target - (CODE_VA + field + 4), field);
      refs.push({ at, target, decode: (c, pc) => pc + (field - at) + 4 + c.readInt32LE(field) });
    }
  } else if (arch === 'aarch64') {
    for (let at = 0; at < CODE; at += 4) code.writeUInt32LE(0xd503201f, at);
    for (let at = 16; at + 16 < CODE; at += 4 * (4 + (r() % 4))) {
      const pc = CODE_VA + at;
      const kind = r() % 4;
      const target = kind === 1 ? CODE_VA + 4 * (r() % (CODE / 4)) : dataTarget(kind === 3 ? 8 : 4);
      if (kind === 0) {
        code.writeUInt32LE((0x94000000 | (((target - pc) >> 2) & 0x3ffffff)) >>> 0, at); // BL
        refs.push({ at, target, decode: (c, p) => p + sx(c.readUInt32LE(at) & 0x3ffffff, 26) * 4 });
      } else if (kind === 1) {
        code.writeUInt32LE((0xb4000000 | ((((target - pc) >> 2) & 0x7ffff) << 5) | 3) >>> 0, at); // CBZ x3
        refs.push({ at, target, inCode: true, decode: (c, p) => p + sx((c.readUInt32LE(at) >>> 5) & 0x7ffff, 19) * 4 });
      } else {
        // ADRP x5 + ADD x5, x5, #lo12 (kind 2) or LDR x7, [x5, #lo12] (kind 3, 8-byte scaled)
        const pages = Math.floor(target / 4096) - Math.floor(pc / 4096);
        code.writeUInt32LE((0x90000000 | ((pages & 3) << 29) | (((pages >> 2) & 0x7ffff) << 5) | 5) >>> 0, at);
        const lo = target % 4096;
        code.writeUInt32LE(
          kind === 2 ? (0x91000000 | (lo << 10) | (5 << 5) | 5) >>> 0 : (0xf9400000 | ((lo / 8) << 10) | (5 << 5) | 7) >>> 0,
          at + 4,
        );
        refs.push({
          at,
          target,
          decode: (c, p) => {
            const w = c.readUInt32LE(at);
            const imm = sx((((w >>> 5) & 0x7ffff) << 2) | ((w >>> 29) & 3), 21);
            const w2 = c.readUInt32LE(at + 4);
            return Math.floor(p / 4096) * 4096 + imm * 4096 + (((w2 >>> 10) & 0xfff) << (kind === 2 ? 0 : 3));
          },
        });
      }
    }
  } else {
    for (let at = 0; at < CODE; at += 2) code.writeUInt16LE(0xbf00, at); // thumb nop
    for (let at = 16; at + 16 < CODE; at += 2 * (4 + (r() % 6))) {
      const pc = CODE_VA + at + 4;
      const blx = r() % 2 === 0;
      const base = blx ? pc & ~3 : pc;
      const target = dataTarget(4);
      const off = target - base;
      const s = (off >>> 24) & 1;
      const j1 = (~((off >>> 23) & 1) ^ s) & 1;
      const j2 = (~((off >>> 22) & 1) ^ s) & 1;
      code.writeUInt16LE(0xf000 | (s << 10) | ((off >>> 12) & 0x3ff), at);
      code.writeUInt16LE((blx ? 0xc000 : 0xd000) | (j1 << 13) | (j2 << 11) | ((off >>> 1) & 0x7ff), at + 2);
      refs.push({
        at,
        target,
        decode: (c, p) => {
          const h1 = c.readUInt16LE(at);
          const h2 = c.readUInt16LE(at + 2);
          const S = (h1 >>> 10) & 1;
          const I1 = ~(((h2 >>> 13) & 1) ^ S) & 1;
          const I2 = ~(((h2 >>> 11) & 1) ^ S) & 1;
          const o = sx((S << 24) | (I1 << 23) | (I2 << 22) | ((h1 & 0x3ff) << 12) | ((h2 & 0x7ff) << 1), 25);
          const pcNow = p + 4;
          return ((h2 & 0x1000) === 0 ? pcNow & ~3 : pcNow) + o;
        },
      });
    }
  }
  return { code, refs };
}

const codeOffset = 0x1000;

for (const arch of ['x86_64', 'aarch64', 'arm'] as const) {
  test(`${arch}: every rewritten reference decodes to its target's new place, seen from its own new place`, () => {
    const r = prng(arch.length * 7919);
    for (let round = 0; round < 6; round++) {
      const { code, refs } = codeWithRefs(arch, r);
      const elf = makeElf(arch, code, Buffer.alloc(DATA), { thumb: arch === 'arm' });
      const step = arch === 'x86_64' ? 1 : 8; // an LDR of 8 bytes can only reach 8-aligned addresses
      const codeShift = ((r() % 2000) - 1000) * step;
      const dataShift = ((r() % 200000) - 100000) * step;
      const out = Buffer.from(
        predictNew(elf, [{ oldStart: 0, oldLength: elf.length, map: moves(codeShift, dataShift), pointerSections: [] }]),
      );
      assert.equal(out.length, elf.length);
      const newCode = out.subarray(codeOffset, codeOffset + CODE);
      for (const ref of refs) {
        const pc = CODE_VA + ref.at;
        assert.equal(ref.decode(code, pc), ref.target, 'the test wrote the reference it meant to');
        assert.equal(
          ref.decode(newCode, pc + codeShift),
          ref.target + (ref.inCode ? codeShift : dataShift),
          `${arch} reference at ${ref.at} (round ${round})`,
        );
      }
    }
  });
}

test('pointers in the named data sections follow their targets; other sections keep their bytes', () => {
  for (const arch of ['x86_64', 'aarch64', 'arm'] as const) {
    const w = arch === 'arm' ? 4 : 8;
    const data = Buffer.alloc(DATA);
    const r = prng(5);
    const targets: number[] = [];
    for (let at = 0; at < DATA; at += w) {
      const t = CODE_VA + (r() % CODE);
      targets.push(t);
      if (w === 8) data.writeBigUInt64LE(BigInt(t), at);
      else data.writeUInt32LE(t, at);
    }
    const elf = makeElf(arch, Buffer.alloc(CODE), data);
    const dataOff = elf.indexOf(data.subarray(0, 64));
    const move = (sections: number[]) =>
      Buffer.from(predictNew(elf, [{ oldStart: 0, oldLength: elf.length, map: moves(4096, 0), pointerSections: sections }]));
    const on = move([2]);
    targets.forEach((t, i) =>
      assert.equal(w === 8 ? Number(on.readBigUInt64LE(dataOff + i * w)) : on.readUInt32LE(dataOff + i * w), t + 4096),
    );
    assert.ok(move([]).equals(elf), 'no pointer sections named: the data is left as it is');
  }
});

test('random code, random maps, damaged headers: never an exception, never a byte outside the loaded segments', () => {
  const r = prng(99);
  for (let round = 0; round < 60; round++) {
    const arch = (['x86_64', 'aarch64', 'arm'] as const)[round % 3]!;
    const elf = makeElf(arch, randomBytes(8192, r()), randomBytes(4096, r()), { thumb: round % 2 === 0 });
    if (round % 4 === 3) for (let k = 0; k < 8; k++) elf[r() % 64] = r() & 0xff; // damage the header
    const n = 1 + (r() % 50);
    const starts = Array.from({ length: n }, () => r() % 0x500000)
      .sort((a, b) => a - b)
      .filter((v, i, a) => i === 0 || v !== a[i - 1]);
    const map = new AddressMap(Float64Array.from(starts), Float64Array.from(starts.map(() => (r() % 20001) - 10000)), 0x500000);
    const t = { oldStart: 0, oldLength: elf.length, map, pointerSections: [1, 2, 3, 77] };
    const out = predictNew(elf, [t]);
    assert.equal(out.length, elf.length);
    // header, program headers and section table are never rewritten (references live in segments only)
    assert.ok(Buffer.from(out.subarray(0, 0x1000)).equals(elf.subarray(0, 0x1000)));
    const identity = new AddressMap(Float64Array.from([0]), Float64Array.from([0]), 2 ** 40);
    assert.ok(Buffer.from(predictNew(elf, [{ ...t, map: identity }])).equals(elf), 'an identity map changes nothing');
  }
});

test('hostile transform sections are refused with a corrupt error, never anything else', () => {
  const r = prng(7);
  let refused = 0;
  for (let round = 0; round < 500; round++) {
    const b = randomBytes(1 + (r() % 64), r());
    if (round % 3 === 0) b[0] = r() % 4; // a small count, so that parsing goes further
    try {
      const ts = decodeExecutableTransforms(b, 1 << 20);
      for (const t of ts) assert.ok(t.oldStart + t.oldLength <= 1 << 20);
    } catch (err) {
      assert.ok(EdgePushError.is(err, 'corrupt'), `unexpected ${String(err)}`);
      refused++;
    }
  }
  assert.ok(refused > 400, `most random sections are refused (${refused})`);
});
