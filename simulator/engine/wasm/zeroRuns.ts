// AssemblyScript, compiled ahead of time to WebAssembly (scripts/build-wasm.mjs writes zeroRuns.wasm.ts): the
// reading side of the diff section's zero-run coding (../zeroRuns.ts says what the coding is). Apply adds the
// diff onto each block's old bytes: for a rebuilt program that is a hundred thousand pairs per 10 MB, each a
// varint pair and a few literal bytes.
//
// The caller copies the section into this module's memory once per block and sets the reader on it, then hands
// over the output a piece at a time: `skipZeros` passes over zero runs (bytes the caller then leaves as they are,
// never copied in), `add` adds a piece in place. Errors are negative codes, named in ../zeroRuns.ts.

const SHORT: i32 = -1; // the section ends before the add runs do
const PAST_END: i32 = -2; // a literal run goes past the section's end
const IN_NUMBER: i32 = -3; // the section ends inside a varint
const OVERSIZED: i32 = -4; // a varint of more than 8 bytes, or over 2^53 - 1

const MAX_SAFE: u64 = 9007199254740991;

// The reader: the next pair at `pos` (the pairs end at `end`), what is left of the current zero and literal
// runs, and where the literal bytes are read from.
let pos: usize = 0;
let end: usize = 0;
let zeros: u64 = 0;
let literal: u64 = 0;
let at: usize = 0;
let failure: i32 = 0;

/** Where dynamic memory starts: the caller lays out its regions from here. */
export function heapBase(): usize {
  return __heap_base;
}

/** Reads the coding at [section, section + length). */
export function setCoded(section: usize, length: usize): void {
  pos = section;
  end = section + length;
  zeros = 0;
  literal = 0;
  at = section;
}

/** Reads a raw diff (a section that is not zero-run coded): one literal run of all its bytes. */
export function setRaw(section: usize, length: usize): void {
  pos = section + length;
  end = pos;
  zeros = 0;
  literal = <u64>length;
  at = section;
}

/** Whether every byte of the section has been used. */
export function done(): bool {
  return zeros == 0 && literal == 0 && pos >= end;
}

/** A varint of the pairs, as VarintReader.uint reads one (at most 8 bytes, below 2^53); 0 with `failure` set
 *  when there is none. */
function uint(): u64 {
  let v: u64 = 0;
  for (let i: u64 = 0; i < 8; i++) {
    if (pos >= end) {
      failure = IN_NUMBER;
      return 0;
    }
    const b = <u64>load<u8>(pos++);
    v |= (b & 0x7f) << (7 * i);
    if (b < 0x80) {
      if (v > MAX_SAFE) break;
      return v;
    }
  }
  failure = OVERSIZED;
  return 0;
}

/** Reads the next pair, once the current runs are used up: 0, or an error code. */
function nextPair(): i32 {
  if (pos >= end) return SHORT;
  failure = 0;
  zeros = uint();
  if (failure != 0) return failure;
  literal = uint();
  if (failure != 0) return failure;
  if (literal > <u64>(end - pos)) return PAST_END;
  at = pos;
  pos += <usize>literal;
  return 0;
}

/** Passes over the zero diff bytes ahead, up to `max`: how many (fewer than `max` when a literal byte comes
 *  next), or an error code. */
export function skipZeros(max: i32): i32 {
  let skipped: i32 = 0;
  while (skipped < max) {
    if (zeros > 0) {
      const k = <i32>min<u64>(zeros, <u64>(max - skipped));
      zeros -= <u64>k;
      skipped += k;
    } else if (literal > 0) {
      break;
    } else {
      const e = nextPair();
      if (e != 0) return e;
    }
  }
  return skipped;
}

/** Adds the next `n` diff bytes (mod 256) onto [buf, buf + n): 0, or an error code. */
export function add(buf: usize, n: i32): i32 {
  let o = buf;
  const stop = buf + <usize>n;
  while (o < stop) {
    if (zeros > 0) {
      const k = <usize>min<u64>(zeros, <u64>(stop - o));
      zeros -= <u64>k;
      o += k;
    } else if (literal > 0) {
      const k = <usize>min<u64>(literal, <u64>(stop - o));
      addBytes(o, at, k);
      at += k;
      literal -= <u64>k;
      o += k;
    } else {
      const e = nextPair();
      if (e != 0) return e;
    }
  }
  return 0;
}

/** dst[i] += src[i] (mod 256) for k bytes: eight at a time (bytewise sums in a 64-bit word, no carry from one
 *  byte into the next), then one at a time. */
function addBytes(dst: usize, src: usize, k: usize): void {
  const LOW: u64 = ((<u64>0x7f7f7f7f) << 32) | 0x7f7f7f7f;
  const HIGH: u64 = ((<u64>0x80808080) << 32) | 0x80808080;
  let i: usize = 0;
  for (; i + 8 <= k; i += 8) {
    const a = load<u64>(dst + i);
    const b = load<u64>(src + i);
    store<u64>(dst + i, ((a & LOW) + (b & LOW)) ^ ((a ^ b) & HIGH));
  }
  for (; i < k; i++) store<u8>(dst + i, load<u8>(dst + i) + load<u8>(src + i));
}
