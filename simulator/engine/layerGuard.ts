// Checks a layer tar as it streams past (the bytes flow on unchanged): every entry must pass the tar safety
// checks, resolved through the links of the layers before it (TarRootModel), and the tar must be complete
// (an entry that claims more bytes than follow is corrupt). A rebuilt layer that fails is refused as
// `corrupt` before the image is committed; nothing the tar parser emits can escape as an unhandled error.
import type { Writable } from 'node:stream';
import { extract } from 'tar-stream';
import { TarRootModel } from './tarSafety.js';
import { EdgePushError, corrupt, messageOf } from '../shared/errors.js';

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

/** Passes `source` through, failing with a `corrupt` error (naming `what`) when the tar is hostile or broken.
 *  Give every layer of one image the same `model`, in layer order. */
export async function* guardLayer(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  what: string,
  model = new TarRootModel(),
): AsyncGenerator<Uint8Array> {
  model.nextLayer();
  const ex = extract();
  let failure: unknown;
  const fail = (err: unknown) => {
    failure ??= EdgePushError.is(err, 'invalid-input')
      ? corrupt(`${what}: ${err.message}`)
      : corrupt(`${what} is not a valid tar: ${messageOf(err)}`);
  };
  ex.on('entry', (header, body, next) => {
    // A body that ends early errors here and on the extractor; the extractor's error is the one reported.
    body.on('error', () => undefined);
    try {
      model.check({ path: header.name, type: header.type ?? 'file', linkname: header.linkname });
    } catch (err) {
      fail(err);
    }
    body.on('end', () => next());
    body.resume();
  });
  const finished = new Promise<void>((resolve) => {
    ex.on('finish', () => resolve());
    ex.on('close', () => resolve());
    ex.on('error', (err: Error) => {
      fail(err);
      resolve();
    });
  });
  const sink = ex as unknown as Writable;
  try {
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
    }
  } finally {
    if (!sink.destroyed) sink.destroy();
  }
  if (failure) throw failure;
}
