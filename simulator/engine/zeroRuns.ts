// Zero-run coding for the diff section, which is mostly zero bytes (exact matches) with scattered non-zero
// ones (changed bytes in approximate matches): pairs (zero run, literal run) as varints, then the literals.
// Shrinks what brotli has to chew through by orders of magnitude on near-identical inputs.
import { ByteSink } from './varint.js';
import { corrupt } from '../shared/errors.js';

/** Writes the coding as the diff is produced, so the mostly-zero diff itself is never materialised: a run of
 *  zeros is one call, and a literal run stays open across short zero runs (fewer than 3), which are cheaper
 *  inside it than as a pair of their own. */
export class ZeroRunWriter {
  private readonly out = new ByteSink(4096);
  private readonly literal = new ByteSink(4096);
  private zerosBefore = 0; // zeros before the open literal run (or pending, when none is open)
  private zerosAfter = 0; // zeros after the open literal run's last non-zero byte
  /** Length of the diff written so far. */
  length = 0;

  zeros(count: number): void {
    this.length += count;
    if (this.literal.length === 0) {
      this.zerosBefore += count;
      return;
    }
    this.zerosAfter += count;
    if (this.zerosAfter >= 3) this.closeLiteral();
  }

  /** One diff byte that is not zero. */
  nonZero(b: number): void {
    this.length++;
    for (; this.zerosAfter > 0; this.zerosAfter--) this.literal.byte(0);
    this.literal.byte(b);
  }

  /** The coding of everything written since the last reset. */
  finish(): Uint8Array {
    if (this.literal.length > 0) this.closeLiteral();
    if (this.zerosBefore > 0) {
      this.out.uint(this.zerosBefore);
      this.out.uint(0);
      this.zerosBefore = 0;
    }
    return this.out.bytes();
  }

  reset(): void {
    this.out.reset();
    this.literal.reset();
    this.zerosBefore = 0;
    this.zerosAfter = 0;
    this.length = 0;
  }

  private closeLiteral(): void {
    this.out.uint(this.zerosBefore);
    this.out.uint(this.literal.length);
    this.out.append(this.literal.bytes());
    this.zerosBefore = this.zerosAfter;
    this.zerosAfter = 0;
    this.literal.reset();
  }
}

/** Reads the coding back while adding the diff onto apply's output, so the diff is never materialised on this
 *  side either: zero runs are skipped, literal bytes added. A section that is not zero-run coded (a raw diff)
 *  reads as one literal run. The state lives in locals while a run is added and the pairs' varints are decoded
 *  in place (a rebuilt program has a hundred thousand pairs per 10 MB: no call or object per pair). */
export class ZeroRunReader {
  private pos = 0; // next pair in src
  private zeros = 0;
  private literal = 0;
  private at = 0;

  private constructor(
    private readonly src: Uint8Array,
    private readonly pairsEnd: number,
  ) {}

  static coded(runs: Uint8Array): ZeroRunReader {
    return new ZeroRunReader(runs, runs.length);
  }

  static raw(diff: Uint8Array): ZeroRunReader {
    const r = new ZeroRunReader(diff, 0);
    r.literal = diff.length;
    return r;
  }

  /** Adds the next `len` diff bytes (mod 256) onto out[o..o+len). */
  addTo(out: Uint8Array, o: number, len: number): void {
    const src = this.src;
    const end = o + len;
    let zeros = this.zeros;
    let literal = this.literal;
    let at = this.at;
    while (o < end) {
      if (zeros > 0) {
        const k = Math.min(zeros, end - o);
        zeros -= k;
        o += k;
      } else if (literal > 0) {
        const k = Math.min(literal, end - o);
        for (let j = 0; j < k; j++) out[o + j] = out[o + j]! + src[at + j]!;
        at += k;
        literal -= k;
        o += k;
      } else {
        if (this.pos >= this.pairsEnd) throw corrupt('delta diff section is shorter than its add runs');
        zeros = this.uint();
        literal = this.uint();
        if (literal > this.pairsEnd - this.pos) throw corrupt('delta diff section has a literal run past its end');
        at = this.pos;
        this.pos += literal;
      }
    }
    this.zeros = zeros;
    this.literal = literal;
    this.at = at;
  }

  /** A varint of the pairs (as VarintReader.uint: at most 8 bytes, below 2^53). */
  private uint(): number {
    const src = this.src;
    let pos = this.pos;
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      if (pos >= this.pairsEnd) throw corrupt('delta control stream ends inside a number');
      const b = src[pos++]!;
      v += (b & 0x7f) * mul;
      if (b < 0x80) {
        if (v > Number.MAX_SAFE_INTEGER) break;
        this.pos = pos;
        return v;
      }
      mul *= 0x80;
    }
    throw corrupt('delta control stream holds an oversized number');
  }

  /** Whether every byte of the section has been used. */
  get done(): boolean {
    return this.zeros === 0 && this.literal === 0 && this.pos >= this.pairsEnd;
  }
}

/** The whole diff at once (for sections other than the diff that use the coding). */
export function decodeZeroRuns(src: Uint8Array, rawLen: number): Buffer {
  const out = Buffer.alloc(rawLen);
  const r = ZeroRunReader.coded(src);
  r.addTo(out, 0, rawLen);
  if (!r.done) throw corrupt('delta section runs do not add up');
  return out;
}
