// Reads exact byte counts from an async stream of chunks: the decoders pull headers and sections from it
// without ever buffering more than the section asked for plus one chunk.
import { corrupt } from '../shared/errors.js';

export class ByteReader {
  private readonly it: AsyncIterator<Uint8Array>;
  private chunk: Buffer = Buffer.alloc(0);
  private done = false;
  /** Bytes handed out so far. */
  consumed = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.it = source[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    while (this.chunk.length === 0 && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else this.chunk = Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
    }
    return this.chunk.length > 0;
  }

  /** Exactly n bytes, or a `corrupt` error naming what was being read. */
  async read(n: number, what: string): Promise<Buffer> {
    if (n === 0) return Buffer.alloc(0);
    await this.fill();
    if (this.chunk.length >= n) {
      const out = this.chunk.subarray(0, n);
      this.chunk = this.chunk.subarray(n);
      this.consumed += n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      if (!(await this.fill())) throw corrupt(`delta truncated while reading ${what} (${this.consumed + filled} bytes read)`);
      const take = Math.min(n - filled, this.chunk.length);
      this.chunk.copy(out, filled, 0, take);
      this.chunk = this.chunk.subarray(take);
      filled += take;
    }
    this.consumed += n;
    return out;
  }

  async atEnd(): Promise<boolean> {
    return !(await this.fill());
  }
}
