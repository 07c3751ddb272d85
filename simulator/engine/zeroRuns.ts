// Zero-run coding for the diff section, which is mostly zero bytes (exact matches) with scattered non-zero
// ones (changed bytes in approximate matches): pairs (zero run, literal run) as varints, then the literals.
// Shrinks what brotli has to chew through by orders of magnitude on near-identical inputs.
import { ByteSink, VarintReader } from './varint.js';
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

export function decodeZeroRuns(src: Uint8Array, rawLen: number): Buffer {
  const out = Buffer.alloc(rawLen);
  const r = new VarintReader(src);
  let o = 0;
  while (r.remaining > 0) {
    const zeros = r.uint();
    const lit = r.uint();
    if (zeros > rawLen - o || lit > rawLen - o - zeros || lit > r.remaining) throw corrupt('delta diff section runs exceed its length');
    o += zeros;
    out.set(src.subarray(r.pos, r.pos + lit), o);
    r.pos += lit;
    o += lit;
  }
  if (o !== rawLen) throw corrupt('delta diff section runs do not add up');
  return out;
}
