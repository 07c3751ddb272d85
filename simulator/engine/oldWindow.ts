// The old input seen through a window that only moves forwards, for deltas of inputs larger than memory: the
// creator and the applier both read old once, in order (a file, or a stream such as an engine export), and
// hold at most `size` bytes of it. Executable transforms are applied to the window's bytes when a block
// introduces them, and stay applied while their bytes remain in the window, identically on both sides.
import { createHash, type Hash } from 'node:crypto';
import { conflict, corrupt } from '../shared/errors.js';
import { predictInPlace, type ExecutableTransform } from './executable/executableTransform.js';

export class OldWindow {
  /** Old bytes [start, start + length), with the transforms applied so far. */
  private buf: Buffer;
  start = 0;
  length = 0;
  private readonly hash: Hash | undefined;
  private consumed = 0; // old bytes read from the source (hashed)
  private pending: Buffer = Buffer.alloc(0); // read from the source, not yet in the window
  private readonly it: AsyncIterator<Uint8Array>;
  private done = false;

  /** `hashed` false: old's digest is not computed (the caller has checked old already), finish returns none. */
  constructor(
    source: AsyncIterable<Uint8Array>,
    readonly oldSize: number,
    readonly size: number,
    hashed = true,
  ) {
    this.hash = hashed ? createHash('sha256') : undefined;
    this.buf = Buffer.allocUnsafeSlow(Math.min(size, oldSize));
    this.it = source[Symbol.asyncIterator]();
  }

  get bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  private async pull(): Promise<boolean> {
    while (this.pending.length === 0 && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else {
        const c = Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
        if (this.consumed + c.length > this.oldSize) throw conflict('wrong basis: it is longer than the delta says');
        this.hash?.update(c);
        this.consumed += c.length;
        this.pending = c;
      }
    }
    return this.pending.length > 0;
  }

  /** Moves the window to [start, start + size) (clipped to old's end); start never goes back. */
  async slide(start: number): Promise<void> {
    if (start < this.start || start > this.oldSize) throw corrupt(`delta window moves to ${start}, before ${this.start} or past the basis`);
    const drop = Math.min(start - this.start, this.length);
    if (drop > 0) this.buf.copy(this.buf, 0, drop, this.length);
    this.length -= drop;
    // bytes between the old window's end and the new start are read and skipped
    let skip = start - this.start - drop;
    this.start = start;
    const want = Math.min(this.size, this.oldSize - start);
    while (skip > 0 || this.length < want) {
      if (!(await this.pull())) throw conflict('wrong basis: it ended before the delta expected');
      if (skip > 0) {
        const n = Math.min(skip, this.pending.length);
        this.pending = this.pending.subarray(n);
        skip -= n;
        continue;
      }
      const n = Math.min(want - this.length, this.pending.length);
      this.pending.copy(this.buf, this.length, 0, n);
      this.pending = this.pending.subarray(n);
      this.length += n;
    }
  }

  /** Predicts the programs of these transforms in place; each must lie inside the window. */
  apply(transforms: readonly ExecutableTransform[]): void {
    for (const t of transforms) {
      if (t.oldStart < this.start || t.oldStart + t.oldLength > this.start + this.length)
        throw corrupt('delta transform lies outside its window');
      predictInPlace(this.buf.subarray(t.oldStart - this.start, t.oldStart - this.start + t.oldLength), t);
    }
  }

  /** Reads what is left of old and returns its sha256 (hex; none when not hashed) once all oldSize bytes were seen. */
  async finish(): Promise<string | undefined> {
    while (await this.pull()) this.pending = Buffer.alloc(0);
    if (this.consumed !== this.oldSize) throw conflict(`wrong basis: it has ${this.consumed} bytes, the delta expects ${this.oldSize}`);
    return this.hash?.digest('hex');
  }
}
