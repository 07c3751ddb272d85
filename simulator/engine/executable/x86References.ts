// x86-64 references found by a scan of the code, without a full disassembler (as BCJ filters and Zucchini's
// rel32 finder do): `call/jmp rel32`, `jcc rel32`, and RIP-relative operands (`lea/mov/cmp/... [rip+disp32]`,
// `call/jmp [rip+disp32]`). A byte pattern that is not really an instruction is harmless: its "target" is
// rewritten only when it falls inside the program, and then only by the difference between where its own
// position and its target moved, which for a stray pattern inside one moved block is nothing.
import { addressSpan, type ElfImage } from './elfImage.js';
import { MoveLookup, type AddressMap } from './addressMap.js';

// One-byte opcodes whose ModRM can address [rip+disp32], by the bytes of immediate that follow the disp32.
const ONE_BYTE_IMM = new Int8Array(256).fill(-1);
for (const op of [
  0x01, 0x03, 0x09, 0x0b, 0x11, 0x13, 0x19, 0x1b, 0x21, 0x23, 0x29, 0x2b, 0x31, 0x33, 0x39, 0x3b, 0x63, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
  0x8a, 0x8b, 0x8d, 0xff,
])
  ONE_BYTE_IMM[op] = 0;
for (const op of [0x80, 0x83, 0xc6, 0x6b]) ONE_BYTE_IMM[op] = 1;
for (const op of [0x81, 0xc7, 0x69]) ONE_BYTE_IMM[op] = 4;
// Two-byte (0F xx) opcodes with a ModRM and no immediate: SSE moves and arithmetic, movzx/movsx, cmov, imul.
const TWO_BYTE = new Uint8Array(256);
for (const op of [
  0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x28, 0x29, 0x2a, 0x2c, 0x2d, 0x2e, 0x2f, 0x51, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a,
  0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x6e, 0x6f, 0x7e, 0x7f, 0xaf, 0xb6, 0xb7, 0xbe, 0xbf, 0xd6, 0xdb, 0xeb, 0xef, 0xfe, 0xd4, 0xfa, 0xfb, 0x60,
  0x61, 0x62, 0x6c, 0x6d, 0x74, 0x75, 0x76,
])
  TWO_BYTE[op] = 1;
for (let op = 0x40; op <= 0x4f; op++) TWO_BYTE[op] = 1;
// What a byte may start: 0 nothing (most bytes; the scan skips them in a tight loop), 1 call/jmp rel32, 2 a
// two-byte opcode, 3 a one-byte opcode with a ModRM.
const START = new Uint8Array(256);
for (let op = 0; op < 256; op++) if (ONE_BYTE_IMM[op]! >= 0) START[op] = 3;
START[0xe8] = 1;
START[0xe9] = 1;
START[0x0f] = 2;
// Whether two bytes (first | second << 8) may start a reference: the opcode, and what its second byte must be
// (any for call/jmp, a jcc or a ModRM opcode after 0F, a [rip+disp32] ModRM after a one-byte opcode). The scan
// skips pairs that cannot in a tight loop: a sixth as many stops as with the opcode alone, each stop a branch
// the processor could not predict. Bytes it skips are exactly those the full checks below would pass over.
const PAIR = new Uint8Array(65536);
for (let b0 = 0; b0 < 256; b0++) {
  for (let b1 = 0; b1 < 256; b1++) {
    const kind = START[b0];
    const maybe = kind === 1 || (kind === 2 && ((b1 & 0xf0) === 0x80 || TWO_BYTE[b1] === 1)) || (kind === 3 && (b1 & 0xc7) === 0x05);
    PAIR[b0 | (b1 << 8)] = maybe ? 1 : 0;
  }
}

/** The rel32 at `field` of `view`, relative to the address `pc`: 0 when its target lies outside the program
 *  [lo, hi) (not taken for a reference), 1 when it is a reference left as it is, 2 when it was rewritten in
 *  `out`. A function of its own, not a closure per call of rewriteX86: V8 threw the optimised scan away each
 *  time it met a new closure there ("wrong call target"), on the device's first apply too. Written so that the
 *  optimised code meets nothing new later (each recompile of the scan is tens of milliseconds of CPU, and a
 *  device's first apply pays them all): the displacement is checked against the program before it is added (no
 *  int32 overflow on a stray pattern), and the field is written back even when unchanged (dst is a copy of src). */
function rewriteRel(view: DataView, out: DataView, field: number, pc: number, lo: number, hi: number, lookup: MoveLookup): number {
  const disp = view.getInt32(field, true);
  if (disp < lo - pc || disp >= hi - pc) return 0;
  const value = Math.round(lookup.moved(pc, pc + disp));
  if (value !== value || value < -0x80000000 || value > 0x7fffffff) return 1; // NaN: unmapped, leave it
  out.setInt32(field, value, true);
  return value === disp ? 1 : 2;
}

/** Rewrites, in `dst`, every rel32 of `src`'s code whose position and target the map moves apart. Returns the
 *  number of references rewritten. `src` and `dst` are the same file (dst a copy being changed). */
export function rewriteX86(src: Uint8Array, dst: Uint8Array, elf: ElfImage, map: AddressMap): number {
  const [lo, hi] = addressSpan(elf);
  const view = new DataView(src.buffer, src.byteOffset, src.length);
  const out = new DataView(dst.buffer, dst.byteOffset, dst.length);
  let count = 0;
  const lookup = new MoveLookup(map);
  for (const seg of elf.segments) {
    if (!seg.executable) continue;
    count += scanCode(src, view, out, seg.fileOffset, seg.fileOffset + seg.fileSize, seg.vaddr - seg.fileOffset, lo, hi, lookup);
  }
  return count;
}

/** The scan of one executable segment [p, end) of the file, `toVa` from file offsets to addresses. A function
 *  of its own: V8 optimises a loop while it runs, and code after it that had not run yet (the next segment, the
 *  next program) would throw that optimised code away when first reached. */
function scanCode(
  src: Uint8Array,
  view: DataView,
  out: DataView,
  p: number,
  end: number,
  toVa: number,
  lo: number,
  hi: number,
  lookup: MoveLookup,
): number {
  let count = 0;
  while (p + 6 <= end) {
    while (p + 6 <= end && PAIR[src[p]! | (src[p + 1]! << 8)] === 0) p++;
    if (p + 6 > end) break;
    const b = src[p]!;
    const kind = START[b]!;
    if (kind === 1) {
      const r = rewriteRel(view, out, p + 1, p + 5 + toVa, lo, hi, lookup);
      if (r !== 0) {
        count += r >> 1;
        p += 5;
        continue;
      }
    } else if (kind === 2) {
      const b1 = src[p + 1]!;
      if ((b1 & 0xf0) === 0x80) {
        const r = rewriteRel(view, out, p + 2, p + 6 + toVa, lo, hi, lookup);
        if (r !== 0) {
          count += r >> 1;
          p += 6;
          continue;
        }
      } else if (TWO_BYTE[b1] === 1 && p + 7 <= end && (src[p + 2]! & 0xc7) === 0x05) {
        const r = rewriteRel(view, out, p + 3, p + 7 + toVa, lo, hi, lookup);
        if (r !== 0) {
          count += r >> 1;
          p += 7;
          continue;
        }
      }
    } else {
      const imm = ONE_BYTE_IMM[b]!;
      if (imm >= 0 && (src[p + 1]! & 0xc7) === 0x05 && p + 6 + imm <= end) {
        const r = rewriteRel(view, out, p + 2, p + 6 + imm + toVa, lo, hi, lookup);
        if (r !== 0) {
          count += r >> 1;
          p += 6 + imm;
          continue;
        }
      }
    }
    p++;
  }
  return count;
}
