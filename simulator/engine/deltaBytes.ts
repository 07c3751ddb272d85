// The bytes of a delta as its senders use them: their size, their digest, and reads from any offset (a resumed
// upload starts mid-way), whether they are held in memory (a delta of small images) or in a file (a delta of
// large images, which on a first push is the whole compressed image and is never read into memory).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { corrupt } from '../shared/errors.js';

export interface DeltaBytes {
  readonly size: number;
  /** `sha256:<hex>` of all the bytes (computed once). */
  digest(): Promise<string>;
  /** The bytes from `offset` on, in pieces of at most `pieceBytes`. */
  stream(offset: number, pieceBytes: number): Readable;
  /** `length` bytes from `offset` (fewer where the bytes end). */
  read(offset: number, length: number): Promise<Buffer>;
}

/** Memoizes an async computation (a digest is asked for by the sender and by the helper path). */
function once<T>(f: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= f());
}

const view = (c: Uint8Array, from: number, length: number) => Buffer.from(c.buffer, c.byteOffset + from, length);

/**
 * The bytes from `offset` on, over chunks, in pieces of at most `pieceBytes` (views, not copies). A delta of new
 * content is one large chunk; handed over whole, a sender's progress would read 100% while a slow link still
 * carries it.
 */
export function piecesOf(chunks: readonly Uint8Array[], offset: number, pieceBytes: number): Readable {
  return Readable.from(
    (function* () {
      let pos = 0;
      for (const c of chunks) {
        const end = pos + c.length;
        for (let from = Math.max(pos, offset); from < end; from += pieceBytes) yield view(c, from - pos, Math.min(pieceBytes, end - from));
        pos = end;
      }
    })(),
  );
}

export function deltaBytesInMemory(chunks: readonly Uint8Array[]): DeltaBytes {
  const size = chunks.reduce((n, c) => n + c.length, 0);
  return {
    size,
    digest: once(() => {
      const h = createHash('sha256');
      for (const c of chunks) h.update(c);
      return Promise.resolve(`sha256:${h.digest('hex')}`);
    }),
    stream: (offset, pieceBytes) => piecesOf(chunks, offset, pieceBytes),
    read: (offset, length) => {
      const out = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
      let pos = 0;
      for (const c of chunks) {
        const from = Math.max(offset, pos);
        const to = Math.min(offset + out.length, pos + c.length);
        if (from < to) out.set(c.subarray(from - pos, to - pos), from - offset);
        pos += c.length;
      }
      return Promise.resolve(out);
    },
  };
}

/** The bytes of a file of `size` bytes (the delta file; it is not changed while this is in use). */
export function deltaBytesInFile(path: string, size: number): DeltaBytes {
  const stream = (offset: number, pieceBytes: number) =>
    offset >= size ? Readable.from([]) : createReadStream(path, { start: offset, highWaterMark: pieceBytes });
  return {
    size,
    // Streamed from the file: 0.2 s for 200 MB here (page cache), against 0.14 s in memory; small next to the
    // seconds that making a delta that size takes, so it is not worth threading through the worker.
    digest: once(async () => {
      const h = createHash('sha256');
      for await (const c of stream(0, 1 << 20)) h.update(c as Buffer);
      return `sha256:${h.digest('hex')}`;
    }),
    stream,
    read: async (offset, length) => {
      const fh = await open(path, 'r');
      try {
        const out = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
        let got = 0;
        while (got < out.length) {
          const { bytesRead } = await fh.read(out, got, out.length - got, offset + got);
          if (bytesRead === 0) throw corrupt(`the delta file ${path} ended at ${offset + got} of its ${size} bytes`);
          got += bytesRead;
        }
        return out;
      } finally {
        await fh.close();
      }
    },
  };
}
