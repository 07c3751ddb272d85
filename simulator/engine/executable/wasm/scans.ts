// AssemblyScript, compiled ahead of time to WebAssembly (scripts/build-wasm.mjs writes ../referenceScans.wasm.ts).
// The reference scans of the executable transform: the loops that read every word of a program's code and data.
// In JavaScript they ran at full speed only once V8 had watched them run and compiled them, which a device's
// first update paid for again in every new process; WebAssembly is compiled when it loads.
//
// The scans work on one window of a file at a time, which the caller copies into this module's memory: `src` the
// old bytes, `dst` the prediction being written (the same bytes, plus what earlier windows and scans wrote).
// Positions are relative to the window; `base` is added to a position to make it an address. Each scan stops at
// the first position at or past `stop` and leaves it in `resumeAt`, where the next window starts. Every value is
// computed as the JavaScript of the format's first version computed it (doubles for addresses, ToInt32 where it
// applied): a prediction that differed by one bit would no longer rebuild the files those deltas were made for.

// ---- tables, filled once when the module starts ----

// x86-64: one-byte opcodes whose ModRM can address [rip+disp32], by the bytes of immediate after the disp32 (-1: not one)
const ONE_BYTE_IMM: usize = memory.data(256);
// x86-64: two-byte (0F xx) opcodes with a ModRM and no immediate
const TWO_BYTE: usize = memory.data(256);
// x86-64: what a byte may start: 0 nothing, 1 call/jmp rel32, 2 a two-byte opcode, 3 a one-byte opcode with a ModRM
const START: usize = memory.data(256);
// x86-64: whether two bytes (first | second << 8) may start a reference
const PAIR: usize = memory.data(65536);
// x86-64: the first bytes of kind 3 (a row of PAIR for a second byte that is a [rip+disp32] ModRM)
const ROW_MODRM: usize = memory.data(256);
// aarch64: whether an instruction's top byte may belong to a branch, a literal load, ADR or ADRP
const MAYBE64: usize = memory.data(256);

function fillTables(): void {
  memory.fill(ONE_BYTE_IMM, 0xff, 256);
  const none: u8[] = [
    0x01, 0x03, 0x09, 0x0b, 0x11, 0x13, 0x19, 0x1b, 0x21, 0x23, 0x29, 0x2b, 0x31, 0x33, 0x39, 0x3b, 0x63, 0x84, 0x85, 0x86, 0x87, 0x88,
    0x89, 0x8a, 0x8b, 0x8d, 0xff,
  ];
  for (let i = 0; i < none.length; i++) store<i8>(ONE_BYTE_IMM + none[i], 0);
  const one: u8[] = [0x80, 0x83, 0xc6, 0x6b];
  for (let i = 0; i < one.length; i++) store<i8>(ONE_BYTE_IMM + one[i], 1);
  const four: u8[] = [0x81, 0xc7, 0x69];
  for (let i = 0; i < four.length; i++) store<i8>(ONE_BYTE_IMM + four[i], 4);
  const two: u8[] = [
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x28, 0x29, 0x2a, 0x2c, 0x2d, 0x2e, 0x2f, 0x51, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59,
    0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x6e, 0x6f, 0x7e, 0x7f, 0xaf, 0xb6, 0xb7, 0xbe, 0xbf, 0xd6, 0xdb, 0xeb, 0xef, 0xfe, 0xd4, 0xfa,
    0xfb, 0x60, 0x61, 0x62, 0x6c, 0x6d, 0x74, 0x75, 0x76,
  ];
  for (let i = 0; i < two.length; i++) store<u8>(TWO_BYTE + two[i], 1);
  for (let op = 0x40; op <= 0x4f; op++) store<u8>(TWO_BYTE + op, 1);
  for (let op = 0; op < 256; op++) if (load<i8>(ONE_BYTE_IMM + op) >= 0) store<u8>(START + op, 3);
  store<u8>(START + 0xe8, 1);
  store<u8>(START + 0xe9, 1);
  store<u8>(START + 0x0f, 2);
  const firstOnly: u8[] = [];
  const twoByteStart: u8[] = [];
  for (let op = 0; op < 256; op++) {
    if (load<u8>(START + op) == 1) firstOnly.push(<u8>op);
    if (load<u8>(START + op) == 2) twoByteStart.push(<u8>op);
  }
  // PAIR row by row (a row is one second byte, its 256 entries the first bytes), mostly by copying one row: the
  // start function runs in V8's baseline tier, where an entry at a time took 3 ms of every first apply.
  for (let b0 = 0; b0 < 256; b0++) store<u8>(ROW_MODRM + b0, load<u8>(START + b0) == 3 ? 1 : 0);
  for (let b1 = 0; b1 < 256; b1++) {
    const row = PAIR + ((<usize>b1) << 8);
    if ((b1 & 0xc7) == 0x05) memory.copy(row, ROW_MODRM, 256); // [rip+disp32] after a one-byte opcode
    const twoByte = (b1 & 0xf0) == 0x80 || load<u8>(TWO_BYTE + b1) == 1;
    for (let i = 0; i < firstOnly.length; i++) store<u8>(row + firstOnly[i], 1); // call/jmp rel32: any second byte
    if (twoByte) for (let i = 0; i < twoByteStart.length; i++) store<u8>(row + twoByteStart[i], 1);
  }
  for (let b = 0; b < 256; b++) {
    const maybe = (b & 0x7c) == 0x14 || b == 0x54 || (b & 0x7e) == 0x34 || (b & 0x3b) == 0x18 || (b & 0x7e) == 0x36 || (b & 0x1f) == 0x10;
    store<u8>(MAYBE64 + b, maybe ? 1 : 0);
  }
}
fillTables();

/** Where dynamic memory starts: the caller lays out the map and the windows from here. */
export function heapBase(): usize {
  return __heap_base;
}

/** Where the last scan stopped (a window-relative position): the next window starts there. */
export let resumeAt: i32 = 0;

// ---- the address map: sorted breakpoints (start, shift), a page table over them, nothing mapped past `mapEnd` ----

let starts: usize = 0;
let shifts: usize = 0;
let count: i32 = 0;
let mapEnd: f64 = 0;
let pages: usize = 0;
let pageCount: i32 = 0;
let pageSize: f64 = 1;
// the stretch of the last pc looked up by `moved`: [stretchFrom, stretchTo), shifted by stretchShift
let stretchFrom: f64 = 0;
let stretchTo: f64 = 0;
let stretchShift: f64 = 0;

/** The map the next scans use: `n` starts and shifts (f64) at `s` and `h`; its page table (AddressMap's, built
 *  here: `m` pages of `size` bytes, i32 entries at `pg`) holds the last breakpoint at or before each page start. */
export function setMap(s: usize, h: usize, n: i32, end: f64, pg: usize, m: i32, size: f64): void {
  starts = s;
  shifts = h;
  count = n;
  mapEnd = end;
  pages = pg;
  pageCount = m;
  pageSize = size;
  stretchFrom = 0;
  stretchTo = 0;
  stretchShift = 0;
  let i = 0;
  for (let k = 0; k < m; k++) {
    const at = startAt(0) + <f64>k * size;
    while (i + 1 < n && startAt(i + 1) <= at) i++;
    store<i32>(pg + ((<usize>k) << 2), i);
  }
}

function startAt(i: i32): f64 {
  return load<f64>(starts + ((<usize>i) << 3));
}

/** The breakpoint that holds at `a`, or -1 outside the map. */
function indexOf(a: f64): i32 {
  if (count == 0 || !(a >= startAt(0) && a < mapEnd)) return -1;
  const k = <i32>Math.floor((a - startAt(0)) / pageSize);
  let lo = load<i32>(pages + ((<usize>k) << 2));
  let hi = k + 1 < pageCount ? load<i32>(pages + ((<usize>(k + 1)) << 2)) : count - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (startAt(mid) <= a) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The new address of old address `a`, or NaN when the map says nothing about it. */
function mapped(a: f64): f64 {
  const i = indexOf(a);
  return i < 0 ? NaN : a + load<f64>(shifts + ((<usize>i) << 3));
}

/** mapped(pc), with pc's stretch remembered: the scans ask in increasing order of pc, so a lookup is needed only
 *  when pc leaves the stretch of the one before. */
function mappedPc(pc: f64): f64 {
  if (!(pc >= stretchFrom && pc < stretchTo)) {
    const i = indexOf(pc);
    if (i < 0) return NaN;
    stretchFrom = startAt(i);
    stretchTo = i + 1 < count ? startAt(i + 1) : mapEnd;
    stretchShift = load<f64>(shifts + ((<usize>i) << 3));
  }
  return pc + stretchShift;
}

/** mapped(target), for a target referred to from the last pc given to mappedPc: many lie in its stretch. */
function mappedNear(target: f64): f64 {
  return target >= stretchFrom && target < stretchTo ? target + stretchShift : mapped(target);
}

/** mapped(target) - mapped(pc), the same double operations, with both lookups mostly spared. */
function moved(pc: f64, target: f64): f64 {
  const pc2 = mappedPc(pc);
  if (pc2 != pc2) return NaN;
  return mappedNear(target) - pc2;
}

// ---- helpers with JavaScript's number semantics ----

function isInteger(x: f64): bool {
  return x == Math.floor(x) && x - x == 0;
}

function signed(v: i32, bits: i32): i32 {
  return (v << (32 - bits)) >> (32 - bits);
}

/** ToInt32 of an integer-valued double (any magnitude up to 2^53): its low 32 bits. */
function toInt32(x: f64): i32 {
  return <i32>(<i64>x);
}

// ---- x86-64: call/jmp rel32, jcc rel32, RIP-relative operands ----

/** The rel32 at `field`, relative to address `pc`: 0 when its target lies outside [lo, hi), 1 when it is a
 *  reference left as it is, 2 when it was rewritten in dst. */
function rewriteRel(src: usize, dst: usize, field: i32, pc: f64, lo: f64, hi: f64): i32 {
  const disp = <f64>load<i32>(src + field);
  if (disp < lo - pc || disp >= hi - pc) return 0;
  const value = Math.round(moved(pc, pc + disp));
  if (value != value || value < -2147483648 || value > 2147483647) return 1; // NaN: unmapped, leave it
  store<i32>(dst + field, <i32>value);
  return value == disp ? 1 : 2;
}

/** Scans code [p, stop) (reading up to `end`); returns the references rewritten. */
export function scanX86(src: usize, dst: usize, p: i32, stop: i32, end: i32, base: f64, lo: f64, hi: f64): i32 {
  let n = 0;
  while (p < stop && p + 6 <= end) {
    while (p < stop && p + 6 <= end && load<u8>(PAIR + <usize>load<u16>(src + p)) == 0) p++;
    if (p >= stop || p + 6 > end) break;
    const b = <i32>load<u8>(src + p);
    const kind = load<u8>(START + b);
    const pc = <f64>p + base;
    if (kind == 1) {
      const r = rewriteRel(src, dst, p + 1, pc + 5, lo, hi);
      if (r != 0) {
        n += r >> 1;
        p += 5;
        continue;
      }
    } else if (kind == 2) {
      const b1 = <i32>load<u8>(src + p + 1);
      if ((b1 & 0xf0) == 0x80) {
        const r = rewriteRel(src, dst, p + 2, pc + 6, lo, hi);
        if (r != 0) {
          n += r >> 1;
          p += 6;
          continue;
        }
      } else if (load<u8>(TWO_BYTE + b1) == 1 && p + 7 <= end && (load<u8>(src + p + 2) & 0xc7) == 0x05) {
        const r = rewriteRel(src, dst, p + 3, pc + 7, lo, hi);
        if (r != 0) {
          n += r >> 1;
          p += 7;
          continue;
        }
      }
    } else {
      const imm = <i32>load<i8>(ONE_BYTE_IMM + b);
      if (imm >= 0 && (load<u8>(src + p + 1) & 0xc7) == 0x05 && p + 6 + imm <= end) {
        const r = rewriteRel(src, dst, p + 2, pc + 6 + imm, lo, hi);
        if (r != 0) {
          n += r >> 1;
          p += 6 + imm;
          continue;
        }
      }
    }
    p++;
  }
  resumeAt = p;
  return n;
}

// ---- aarch64: B/BL, B.cond, CBZ/CBNZ, LDR literal, TBZ/TBNZ, ADR, ADRP with the ADD or LDR/STR completing it ----

const PAGE: f64 = 4096;
const PAIR_WINDOW = 4;

function page(a: f64): f64 {
  return Math.floor(a / PAGE) * PAGE;
}

function adrImm(w: u32): i32 {
  return signed(<i32>((((w >>> 5) & 0x7ffff) << 2) | ((w >>> 29) & 3)), 21);
}

function withAdrImm(w: u32, imm: i32): u32 {
  return (w & 0x9f00001f) | (((<u32>imm) & 3) << 29) | (((<u32>(imm >> 2)) & 0x7ffff) << 5);
}

/** The low-12-bit scale of the instruction completing an ADRP whose destination is `rd`, or -1. */
function lowBitsScale(w: u32, rd: u32): i32 {
  if (((w >>> 5) & 31) != rd) return -1;
  if ((w & 0xffc00000) == 0x91000000) return 0; // ADD Xd, Xn, #imm12
  if ((w & 0x3b000000) == 0x39000000) {
    // LDR/STR (unsigned offset): the size field scales the immediate; 128-bit SIMD registers scale by 16
    const size = <i32>(w >>> 30);
    const simd128 = (w & 0x04000000) != 0 && (w & 0x00800000) != 0 && size == 0;
    return simd128 ? 4 : size;
  }
  return -1;
}

/** Writes word w at `at` of dst when it differs from src's: 1 when it did, else 0. */
function putWord(src: usize, dst: usize, at: i32, w: u32): i32 {
  if (w == load<u32>(src + at)) return 0;
  store<u32>(dst + at, w);
  return 1;
}

/** Scans the aligned words [p, stop) of code ending at `end` (the last word starts before it). */
export function scanArm64(src: usize, dst: usize, p: i32, stop: i32, end: i32, base: f64, lo: f64, hi: f64): i32 {
  let n = 0;
  for (; p < end && p < stop; p += 4) {
    const w = load<u32>(src + p);
    if (load<u8>(MAYBE64 + (w >>> 24)) == 0) continue;
    const pc = <f64>p + base;
    let shift = -1;
    let bits = 0;
    if ((w & 0x7c000000) == 0x14000000) {
      shift = 0; // B, BL
      bits = 26;
    } else if ((w & 0xff000010) == 0x54000000 || (w & 0x7e000000) == 0x34000000 || (w & 0x3b000000) == 0x18000000) {
      shift = 5; // B.cond; CBZ, CBNZ; LDR (literal), LDRSW, PRFM
      bits = 19;
    } else if ((w & 0x7e000000) == 0x36000000) {
      shift = 5; // TBZ, TBNZ
      bits = 14;
    }
    if (bits > 0) {
      const target = pc + <f64>signed((<i32>(w >>> shift)) & ((1 << bits) - 1), bits) * 4;
      if (target < lo || target >= hi) continue;
      const imm = moved(pc, target) / 4;
      const limit = <f64>(1 << (bits - 1));
      if (!isInteger(imm) || imm < -limit || imm >= limit) continue;
      const mask = <u32>(((1 << bits) - 1) << shift);
      n += putWord(src, dst, p, (w & ~mask) | (((<u32>toInt32(imm)) << shift) & mask));
      continue;
    }
    const op = w & 0x9f000000;
    if (op == 0x10000000) {
      // ADR
      const target = pc + <f64>adrImm(w);
      if (target < lo || target >= hi) continue;
      const imm = moved(pc, target);
      if (isInteger(imm) && imm >= -1048576 && imm < 1048576) n += putWord(src, dst, p, withAdrImm(w, toInt32(imm)));
    } else if (op == 0x90000000) {
      // ADRP: find the instruction that adds the low bits to the same register
      const rd = w & 31;
      for (let k = 1; k <= PAIR_WINDOW && p + 4 * k < end; k++) {
        const w2 = load<u32>(src + p + 4 * k);
        const scale = lowBitsScale(w2, rd);
        if (scale < 0) continue;
        const low = <f64>(((w2 >>> 10) & 0xfff) << scale);
        const target = page(pc) + <f64>adrImm(w) * PAGE + low;
        if (target < lo || target >= hi) break;
        const pc2 = mappedPc(pc);
        const t2 = mappedNear(target);
        if (!isInteger(t2) || !isInteger(pc2)) break;
        const pageDelta = (page(t2) - page(pc2)) / PAGE;
        const low2 = <i32>(t2 - page(t2));
        if (pageDelta < -1048576 || pageDelta >= 1048576 || low2 % (1 << scale) != 0) break;
        n += putWord(src, dst, p, withAdrImm(w, toInt32(pageDelta)));
        n += putWord(src, dst, p + 4 * k, (w2 & ~((<u32>0xfff) << 10)) | (((<u32>low2) >>> scale) << 10));
        break;
      }
    }
  }
  resumeAt = p;
  return n;
}

// ---- 32-bit ARM: Thumb-2 BL/BLX/B.W at half-word steps; ARM-mode B/BL in aligned words ----

/** Offset of a Thumb-2 BL/BLX/B.W whose half-words are h1, h2. */
function thumbOffset(h1: i32, h2: i32): i32 {
  const s = (h1 >>> 10) & 1;
  const i1 = ~((h2 >>> 13) ^ s) & 1;
  const i2 = ~((h2 >>> 11) ^ s) & 1;
  return signed((s << 24) | (i1 << 23) | (i2 << 22) | ((h1 & 0x3ff) << 12) | ((h2 & 0x7ff) << 1), 25);
}

/** Scans the half-words [p, stop) of Thumb code ending at `end`. */
export function scanThumb(src: usize, dst: usize, p: i32, stop: i32, end: i32, base: f64, lo: f64, hi: f64): i32 {
  let n = 0;
  for (; p < end && p < stop; p += 2) {
    const h1 = <i32>load<u16>(src + p);
    if ((h1 & 0xf800) != 0xf000) continue;
    const h2 = <i32>load<u16>(src + p + 2);
    const blx = (h2 & 0xd001) == 0xc000;
    if (!((h2 & 0xd000) == 0xd000 || (h2 & 0xd000) == 0x9000 || blx)) continue;
    const pc = <f64>p + base + 4;
    const from = blx ? <f64>(toInt32(pc) & ~3) : pc;
    const target = from + <f64>thumbOffset(h1, h2);
    if (target < lo || target >= hi) continue;
    p += 2; // the second half-word is taken
    const pc2 = mappedPc(pc);
    const t2 = mappedNear(target);
    if (!isInteger(t2) || !isInteger(pc2)) continue;
    const offset = t2 - (blx ? pc2 - <f64>(toInt32(pc2) & 3) : pc2);
    if (offset < -16777216 || offset >= 16777216) continue;
    const off = toInt32(offset);
    if (off & 1 || (blx && off & 2) || offset == target - from) continue;
    const s = (off >>> 24) & 1;
    const j1 = (~((off >>> 23) & 1) ^ s) & 1;
    const j2 = (~((off >>> 22) & 1) ^ s) & 1;
    store<u16>(dst + p - 2, <u16>((h1 & 0xf800) | (s << 10) | ((off >>> 12) & 0x3ff)));
    store<u16>(dst + p, <u16>((h2 & 0xd000) | (j1 << 13) | (j2 << 11) | ((off >>> 1) & 0x7ff)));
    n++;
  }
  resumeAt = p;
  return n;
}

/** Scans the aligned words [p, stop) of ARM-mode code ending at `end`. */
export function scanArm(src: usize, dst: usize, p: i32, stop: i32, end: i32, base: f64, lo: f64, hi: f64): i32 {
  let n = 0;
  for (; p < end && p < stop; p += 4) {
    const w = load<u32>(src + p);
    if ((w & 0x0e000000) != 0x0a000000 || w >>> 28 == 0xf) continue; // B, BL (not BLX imm)
    const pc = <f64>p + base + 8;
    const target = pc + <f64>signed(<i32>(w & 0xffffff), 24) * 4;
    if (target < lo || target >= hi) continue;
    const imm = moved(pc, target) / 4;
    if (!isInteger(imm) || imm < -8388608 || imm >= 8388608 || imm * 4 == target - pc) continue;
    store<u32>(dst + p, (w & 0xff000000) | ((<u32>toInt32(imm)) & 0xffffff));
    n++;
  }
  resumeAt = p;
  return n;
}

// ---- pointers in data: aligned words whose value falls inside the program ----

/** Predicts the aligned 64-bit words [p, stop) (the last at or before `last`); with `record` (else 0), writes
 *  each rewritten word's position there as a u32 and returns their count. */
export function scanPointers64(src: usize, dst: usize, p: i32, stop: i32, last: i32, lo: f64, hi: f64, record: usize): i32 {
  let n = 0;
  for (; p <= last && p < stop; p += 8) {
    const v = <f64>load<u32>(src + p) + <f64>load<u32>(src + p + 4) * 4294967296;
    if (v < lo || v >= hi) continue;
    const m = mapped(v);
    if (m != m || m == v || m < 0) continue;
    store<u32>(dst + p, <u32>(<i64>(m % 4294967296)));
    store<u32>(dst + p + 4, <u32>(<i64>Math.floor(m / 4294967296)));
    if (record != 0) store<u32>(record + ((<usize>n) << 2), p);
    n++;
  }
  resumeAt = p;
  return n;
}

/** As scanPointers64, for 32-bit words. */
export function scanPointers32(src: usize, dst: usize, p: i32, stop: i32, last: i32, lo: f64, hi: f64, record: usize): i32 {
  let n = 0;
  for (; p <= last && p < stop; p += 4) {
    const v = <f64>load<u32>(src + p);
    if (v < lo || v >= hi) continue;
    const m = mapped(v);
    if (m != m || m == v || m < 0 || m >= 4294967296) continue;
    store<u32>(dst + p, <u32>(<i64>m));
    if (record != 0) store<u32>(record + ((<usize>n) << 2), p);
    n++;
  }
  resumeAt = p;
  return n;
}
