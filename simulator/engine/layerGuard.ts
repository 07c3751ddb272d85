// Checks a layer tar as it streams past (the bytes flow on unchanged): every entry must pass
// assertSafeTarEntry. A rebuilt layer with a hostile entry fails before the image is committed.
import type { Writable } from 'node:stream';
import { extract } from 'tar-stream';
import { assertSafeTarEntry } from './tarSafety.js';
import { corrupt } from '../shared/errors.js';

function drainedOrClosed(stream: Writable): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

export async function* guardLayer(source: AsyncIterable<Uint8Array>, what: string): AsyncGenerator<Uint8Array> {
  const ex = extract();
  let failure: unknown;
  ex.on('entry', (header, body, next) => {
    try {
      assertSafeTarEntry({ path: header.name, type: header.type ?? 'file', linkname: header.linkname });
    } catch (err) {
      failure ??= err;
    }
    body.on('end', () => next());
    body.resume();
  });
  const finished = new Promise<void>((resolve) => {
    ex.on('finish', () => resolve());
    ex.on('error', (err: Error) => {
      failure ??= corrupt(`${what} is not a valid tar: ${err.message}`);
      resolve();
    });
  });
  const sink = ex as unknown as Writable;
  for await (const chunk of source) {
    if (failure) break;
    // A tar error (corrupt bytes) ends the parser without a 'drain': wait for either.
    if (!sink.write(chunk) && !sink.destroyed) await drainedOrClosed(sink);
    if (failure) break;
    yield chunk;
  }
  if (!failure) {
    sink.end();
    await finished;
  } else {
    sink.destroy();
  }
  if (failure) throw failure;
}
