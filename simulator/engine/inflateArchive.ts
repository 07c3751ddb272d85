// An image archive whose layers are gzip-compressed (`docker save` from a containerd image store writes the
// layers as it stores them) rewritten with its layers inflated, file to file, so that it can be indexed by
// offset and diffed within a memory budget like any other archive (imageLayers.ts reads only uncompressed
// layers by offset: a gzip stream cannot be read from the middle). Entries keep their order and names; the
// layers' digests are checked later against the config's diff ids, which are digests of the inflated tars.
import { createReadStream, createWriteStream, openSync, closeSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { pack as tarPack, type Header } from 'tar-stream';
import { FileSpans } from './fileSpans.js';
import { writeEntry } from './imageArchiveWriter.js';
import { indexImageArchiveFile, type IndexedImageFile } from './imageLayers.js';
import { readTarLayoutWith } from './tarLayout.js';
import { corrupt, invalidInput } from '../shared/errors.js';

const TYPES: Record<string, Header['type']> = { '0': 'file', '1': 'link', '2': 'symlink', '5': 'directory' };

/** Writes `dest`: the archive at `src` with every gzip-compressed entry inflated. Memory: stream buffers. */
export async function inflateArchiveFile(src: string, dest: string): Promise<void> {
  const fd = openSync(src, 'r');
  const scratch = await mkdtemp(join(dirname(dest), '.inflate-'));
  try {
    const file = new FileSpans(src, fd);
    const entries = readTarLayoutWith(file.size, (o, l) => file.read(o, l));
    if (!entries) throw invalidInput(`${src} is not a readable image archive`);
    const out = tarPack();
    const written = pipeline(out, createWriteStream(dest));
    // the pack is fed entry by entry; a failure ends it so the file stream closes
    try {
      for (const e of entries) {
        const type = TYPES[e.type];
        if (!type) continue; // nothing an image archive needs (pax globals, devices)
        if (type !== 'file') {
          const header = { name: e.path, type, linkname: e.linkname, mode: 0o755, mtime: new Date(0) };
          await new Promise<void>((resolve, reject) => out.entry(header, (err) => (err ? reject(err) : resolve())));
          continue;
        }
        const range = () => createReadStream(src, { start: e.dataStart, end: e.dataStart + e.size - 1, highWaterMark: 1 << 20 });
        const head = e.size >= 2 ? file.read(e.dataStart, 2) : undefined;
        if (!(head && head[0] === 0x1f && head[1] === 0x8b)) {
          await writeEntry(out, e.path, e.size, e.size === 0 ? new Uint8Array(0) : range());
          continue;
        }
        const inflated = join(scratch, 'layer');
        try {
          await pipeline(range(), createGunzip(), createWriteStream(inflated));
        } catch (err) {
          throw corrupt(`${src}: ${e.path} does not inflate (${(err as Error).message})`);
        }
        const size = (await stat(inflated)).size;
        await writeEntry(out, e.path, size, size === 0 ? new Uint8Array(0) : createReadStream(inflated, { highWaterMark: 1 << 20 }));
      }
      out.finalize();
    } catch (err) {
      out.destroy(err as Error);
      await written.catch(() => undefined);
      throw err;
    }
    await written;
  } finally {
    closeSync(fd);
    await rm(scratch, { recursive: true, force: true });
  }
}

/** An archive file indexed by offset (imageLayers.ts); when its layers are gzip-compressed, it is first
 *  rewritten with them inflated to the file `inflatedPath()` names, which is indexed instead (`spooled`: `path`
 *  is a temp copy of ours, removed once inflated). A layer that does not inflate is `corrupt`. */
export async function indexInflating(
  path: string,
  inflatedPath: () => Promise<string>,
  opts: { verify?: boolean; spooled?: boolean } = {},
): Promise<IndexedImageFile> {
  const img = await indexImageArchiveFile(path, { verify: opts.verify });
  if (img) return img;
  const dest = await inflatedPath();
  await inflateArchiveFile(path, dest);
  if (opts.spooled) await rm(path);
  const inflated = await indexImageArchiveFile(dest, { verify: opts.verify });
  if (!inflated) throw invalidInput(`${path}: its layers are compressed in a way this engine does not read`);
  return inflated;
}
