// A virtual input made of byte ranges of one file (the layers of a `docker save` archive, concatenated as the
// old input of an image delta; one layer as its new input): read by offset with a small read-ahead cache (tar
// headers are read one by one), or streamed in order. Nothing is held beyond the cache and the caller's reads.
import { createReadStream, fstatSync, readSync } from 'node:fs';
import { createHash } from 'node:crypto';

export interface FileSpan {
  offset: number;
  length: number;
}

export class FileSpans {
  readonly size: number;
  private cache = Buffer.alloc(0);
  private cacheAt = 0;

  /** `spans` omitted: the whole file. */
  constructor(
    readonly path: string,
    readonly fd: number,
    readonly spans: readonly FileSpan[] = [{ offset: 0, length: fstatSync(fd).size }],
  ) {
    this.size = spans.reduce((n, s) => n + s.length, 0);
  }

  /** Copies virtual bytes [offset, offset + length) into b at `at`; returns how many were there. */
  private copy(offset: number, b: Buffer, at: number, length: number): number {
    let got = 0;
    let base = 0;
    for (const s of this.spans) {
      if (got === length) break;
      const from = offset + got;
      if (from < base + s.length) {
        const inSpan = from - base;
        const want = Math.min(length - got, s.length - inSpan);
        let done = 0;
        while (done < want) {
          const n = readSync(this.fd, b, at + got + done, want - done, s.offset + inSpan + done);
          if (n === 0) return got + done;
          done += n;
        }
        got += done;
      }
      base += s.length;
    }
    return got;
  }

  read(offset: number, length: number): Buffer {
    if (offset >= this.cacheAt && offset + length <= this.cacheAt + this.cache.length) {
      return this.cache.subarray(offset - this.cacheAt, offset - this.cacheAt + length);
    }
    const want = Math.max(0, Math.min(Math.max(length, 1 << 20), this.size - offset));
    const b = Buffer.allocUnsafe(want);
    const got = this.copy(offset, b, 0, want);
    if (length <= 1 << 20) {
      this.cache = b.subarray(0, got);
      this.cacheAt = offset;
    }
    return b.subarray(0, Math.min(got, length));
  }

  /** The bytes in order, 1 MiB reads. */
  async *stream(): AsyncGenerator<Uint8Array> {
    for (const s of this.spans) {
      if (s.length === 0) continue;
      yield* createReadStream(this.path, {
        start: s.offset,
        end: s.offset + s.length - 1,
        highWaterMark: 1 << 20,
      }) as AsyncIterable<Buffer>;
    }
  }

  async sha256(): Promise<string> {
    const h = createHash('sha256');
    for await (const c of this.stream()) h.update(c);
    return h.digest('hex');
  }
}
