// An image source as an archive file, so that it can be indexed by offset (imageLayers.ts) instead of held:
// a file is used as it is, a stream or an engine's export is written to a temp file as it arrives (never whole
// in memory). Creation spools every such source (imageDeltaFiles.ts, imageDeltaFileOffThread.ts); apply keeps
// a small stream in memory, as it keeps a small archive (imageDeltaApplyBasis.ts).
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { archiveStreamOf, type ImageSource } from './imageArchive.js';

/** The archive file for a source: the file itself, or the source's bytes written to `path`. */
export async function spoolArchive(src: ImageSource, path: string): Promise<string> {
  if ('archivePath' in src) return src.archivePath;
  await pipeline(await archiveStreamOf(src), createWriteStream(path));
  return path;
}

/** A stream held while it stays within `holdBytes` (`{ stream }` over the bytes read), else spooled to the
 *  file `path()` names (`{ archivePath }`): only what was read before the limit was crossed is ever held. */
export async function holdOrSpool(
  stream: NodeJS.ReadableStream,
  holdBytes: number,
  path: () => Promise<string>,
): Promise<{ stream: NodeJS.ReadableStream } | { archivePath: string }> {
  const chunks = (stream as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  const held: Uint8Array[] = [];
  let size = 0;
  while (size <= holdBytes) {
    const next = await chunks.next();
    if (next.done) return { stream: Readable.from(held, { objectMode: false }) };
    held.push(next.value);
    size += next.value.length;
  }
  async function* rest(): AsyncGenerator<Uint8Array> {
    yield* held.splice(0);
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
  }
  const destroy = () => (stream as Partial<Readable>).destroy?.();
  try {
    const file = await path();
    return { archivePath: await spoolArchive({ stream: Readable.from(rest(), { objectMode: false }) }, file) };
  } catch (err) {
    destroy(); // a spool that fails (disk full) stops reading the source too
    throw err;
  }
}
