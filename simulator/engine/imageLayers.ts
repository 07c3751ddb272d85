// An image's layers without holding them: a `docker save` archive file indexed by offset (its layers read as
// file ranges), or an engine's export (`GET /images/{name}/get`) read once to learn its layout and again for
// each layer asked for. Every layer read through `open` is hashed as it goes and errors at its end when it does
// not match its diff id, so consumers that commit on normal completion never keep a wrong basis's output.
// Archives whose layers are gzip-compressed (a containerd image store's OCI export) are not indexed here
// (null): they are inflated to a file first (inflateArchive.ts), by the creator and by apply (imageDeltaApplyBasis.ts).
import { closeSync, openSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { extract } from 'tar-stream';
import * as z from 'zod';
import type Docker from 'dockerode';
import { FileSpans } from './fileSpans.js';
import { readTarLayoutWith, type TarEntryLayout } from './tarLayout.js';
import { safeEntryPath } from './tarSafety.js';
import type { ImageArchive } from './imageArchive.js';
import { corrupt, invalidInput, notFound, unavailable } from '../shared/errors.js';

export interface LayerFacts {
  diffId: string;
  size: number;
}

/** An image whose layers are read on demand. */
export interface ImageLayers {
  imageId: string;
  config: Buffer;
  repoTags: string[];
  layers: LayerFacts[];
  /** The layer's bytes in order; errors at the end when they do not match the diff id. */
  open(diffId: string): AsyncIterable<Uint8Array>;
  close(): void;
}

/** An archive file's image: also each layer's place in the file. */
export interface IndexedImageFile extends ImageLayers {
  path: string;
  fd: number;
  offsets: Map<string, number>;
  /** The given layers, concatenated, as file ranges. */
  spans(diffIds: readonly string[]): FileSpans;
}

const manifestSchema = z
  .array(z.object({ Config: z.string(), RepoTags: z.array(z.string()).nullish(), Layers: z.array(z.string()) }))
  .min(1);
const configSchema = z.object({ rootfs: z.object({ diff_ids: z.array(z.string().regex(/^sha256:[0-9a-f]{64}$/)) }) });
const MAX_JSON = 16 << 20;

export function inMemoryLayers(img: ImageArchive): ImageLayers {
  const byId = new Map(img.layers.map((l) => [l.diffId, l.data]));
  return {
    imageId: img.imageId,
    config: img.config,
    repoTags: img.repoTags,
    layers: img.layers.map((l) => ({ diffId: l.diffId, size: l.data.length })),
    open: (id) => [byId.get(id)!] as unknown as AsyncIterable<Uint8Array>,
    close: () => undefined,
  };
}

async function* verified(src: AsyncIterable<Uint8Array>, diffId: string, what: string): AsyncGenerator<Uint8Array> {
  const h = createHash('sha256');
  for await (const c of src) {
    h.update(c);
    yield c;
  }
  if (`sha256:${h.digest('hex')}` !== diffId) throw corrupt(`${what}: layer ${diffId} does not match its diff id`);
}

interface Layout {
  manifest: z.infer<typeof manifestSchema>[0];
  config: Buffer;
  diffIds: string[];
}

function parseLayout(what: string, manifestText: string | undefined, configOf: (path: string) => Buffer | undefined): Layout {
  if (manifestText === undefined) throw invalidInput(`${what} is not an image archive (no manifest.json)`);
  let json: unknown;
  try {
    json = JSON.parse(manifestText);
  } catch {
    throw invalidInput(`${what}: manifest.json is not JSON`);
  }
  const m = manifestSchema.safeParse(json);
  if (!m.success) throw invalidInput(`${what}: unexpected manifest.json`);
  const entry = m.data[0]!;
  const config = configOf(safeEntryPath(entry.Config));
  if (!config) throw corrupt(`${what}: config ${entry.Config} missing`);
  let parsed;
  try {
    parsed = configSchema.safeParse(JSON.parse(config.toString('utf8')));
  } catch {
    throw corrupt(`${what}: image config is not JSON`);
  }
  if (!parsed.success) throw corrupt(`${what}: image config has no rootfs diff ids`);
  if (parsed.data.rootfs.diff_ids.length !== entry.Layers.length) throw corrupt(`${what}: layer count does not match the config`);
  return { manifest: entry, config, diffIds: parsed.data.rootfs.diff_ids };
}

/** Regular-file entries by normalised path, links followed (legacy layouts link repeated layers). */
function resolveEntries(entries: TarEntryLayout[]): Map<string, TarEntryLayout> {
  const files = new Map<string, TarEntryLayout>();
  const links: [string, string][] = [];
  for (const e of entries) {
    let path: string;
    try {
      path = safeEntryPath(e.path);
    } catch {
      continue; // entries outside the archive root are never a layer
    }
    if (e.type === '0' || e.type === '7') files.set(path, e);
    else if (e.type === '1') links.push([path, e.linkname]);
    else if (e.type === '2') links.push([path, posix.join(posix.dirname(path), e.linkname)]);
  }
  for (const [from, to] of links) {
    try {
      const t = files.get(safeEntryPath(to));
      if (t) files.set(from, t);
    } catch {
      // a link out of the archive names no layer
    }
  }
  return files;
}

/** Indexes a `docker save` archive file: reads its headers, manifest and config, not its layers (they are
 *  hashed as they are read, or here first with `verify`). Null when a layer is gzip-compressed. */
export async function indexImageArchiveFile(path: string, opts: { verify?: boolean } = {}): Promise<IndexedImageFile | null> {
  const fd = openSync(path, 'r');
  try {
    const file = new FileSpans(path, fd);
    const entries = readTarLayoutWith(file.size, (o, l) => file.read(o, l));
    if (!entries) throw invalidInput(`${path} is not a readable image archive`);
    const files = resolveEntries(entries);
    const small = (p: string) => {
      const e = files.get(p);
      return e && e.size <= MAX_JSON ? Buffer.from(file.read(e.dataStart, e.size)) : undefined;
    };
    const layout = parseLayout(path, small('manifest.json')?.toString('utf8'), small);
    const offsets = new Map<string, number>();
    const layers: LayerFacts[] = [];
    for (const [i, p] of layout.manifest.Layers.entries()) {
      const e = files.get(safeEntryPath(p));
      if (!e) throw corrupt(`${path}: layer ${p} missing`);
      const head = file.read(e.dataStart, 2);
      if (head.length === 2 && head[0] === 0x1f && head[1] === 0x8b) {
        closeSync(fd);
        return null;
      }
      const diffId = layout.diffIds[i]!;
      offsets.set(diffId, e.dataStart);
      layers.push({ diffId, size: e.size });
    }
    const sizes = new Map(layers.map((l) => [l.diffId, l.size]));
    const spans = (ids: readonly string[]) =>
      new FileSpans(
        path,
        fd,
        ids.map((id) => ({ offset: offsets.get(id)!, length: sizes.get(id)! })),
      );
    if (opts.verify) {
      for (const l of layers) for await (const c of verified(spans([l.diffId]).stream(), l.diffId, path)) void c;
    }
    const config = layout.config;
    return {
      path,
      fd,
      offsets,
      imageId: `sha256:${createHash('sha256').update(config).digest('hex')}`,
      config,
      repoTags: layout.manifest.RepoTags ?? [],
      layers,
      spans,
      open: (id) => verified(spans([id]).stream(), id, path),
      close: () => closeSync(fd),
    };
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // closed above
    }
    throw err;
  }
}

async function exportStream(docker: Docker, ref: string): Promise<NodeJS.ReadableStream> {
  try {
    await docker.getImage(ref).inspect();
    return await docker.getImage(ref).get();
  } catch (err) {
    const status = (err as { statusCode?: number }).statusCode;
    if (status === 404) throw notFound(`image ${ref} not found in the engine`);
    throw unavailable(`cannot export image ${ref} from the engine: ${(err as Error).message}`, err);
  }
}

interface StreamEntry {
  path: string;
  type: string;
  linkname?: string;
  body: AsyncIterable<Uint8Array> & { resume(): unknown };
}

/** The entries of a tar stream in order (the caller reads or skips each body before asking for the next). */
async function* tarEntries(src: NodeJS.ReadableStream): AsyncGenerator<StreamEntry> {
  const ex = extract();
  src.on('error', (err: Error) => ex.destroy(err));
  src.pipe(ex);
  try {
    for await (const entry of ex) {
      yield {
        path: entry.header.name,
        type: entry.header.type ?? 'file',
        linkname: entry.header.linkname ?? undefined,
        body: entry as unknown as StreamEntry['body'],
      };
    }
  } finally {
    (src as unknown as { destroy?: () => void }).destroy?.();
  }
}

/** An image in an engine, read through its export: once now (manifest, config, each entry's digest), then
 *  once more per layer opened, stopping after that layer. Null when a layer is gzip-compressed. */
export function engineImageLayers(docker: Docker, ref: string): Promise<ImageLayers | null> {
  return exportedImageLayers(ref, () => exportStream(docker, ref));
}

/** The same from any source of the export that can be opened again (`exportArchive` gives a fresh stream over
 *  the whole archive each call, e.g. an engine export requested by another thread); `ref` names it in errors. */
export async function exportedImageLayers(ref: string, exportArchive: () => Promise<NodeJS.ReadableStream>): Promise<ImageLayers | null> {
  const small = new Map<string, Buffer>();
  const digests = new Map<string, { sha: string; size: number; gzip: boolean }>();
  const links: [string, string][] = [];
  for await (const e of tarEntries(await exportArchive())) {
    let path: string;
    try {
      path = safeEntryPath(e.path);
    } catch {
      e.body.resume();
      continue;
    }
    if (e.type === 'link' || e.type === 'symlink') {
      links.push([path, e.type === 'link' ? (e.linkname ?? '') : posix.join(posix.dirname(path), e.linkname ?? '')]);
      e.body.resume();
      continue;
    }
    if (e.type !== 'file' && e.type !== 'contiguous-file') {
      e.body.resume();
      continue;
    }
    const h = createHash('sha256');
    const keep: Buffer[] = [];
    let size = 0;
    let first: Uint8Array | undefined;
    for await (const c of e.body) {
      first ??= c;
      h.update(c);
      size += c.length;
      if (size <= MAX_JSON) keep.push(Buffer.from(c));
      else keep.length = 0;
    }
    digests.set(path, { sha: `sha256:${h.digest('hex')}`, size, gzip: first !== undefined && first[0] === 0x1f && first[1] === 0x8b });
    if (size <= MAX_JSON) small.set(path, Buffer.concat(keep));
  }
  const alias = new Map<string, string>();
  for (const [from, to] of links) {
    try {
      alias.set(from, safeEntryPath(to));
    } catch {
      // outside the archive: names no layer
    }
  }
  const real = (p: string) => alias.get(p) ?? p;
  const layout = parseLayout(ref, small.get('manifest.json')?.toString('utf8'), (p) => small.get(real(p)));
  const pathOf = new Map<string, string>();
  const layers: LayerFacts[] = [];
  for (const [i, p] of layout.manifest.Layers.entries()) {
    const path = real(safeEntryPath(p));
    const d = digests.get(path);
    if (!d) throw corrupt(`${ref}: layer ${p} missing from the export`);
    if (d.gzip) return null;
    const diffId = layout.diffIds[i]!;
    if (d.sha !== diffId) throw corrupt(`${ref}: layer ${p} does not match its diff id`);
    pathOf.set(diffId, path);
    layers.push({ diffId, size: d.size });
  }
  async function* open(diffId: string): AsyncGenerator<Uint8Array> {
    const want = pathOf.get(diffId);
    if (!want) throw corrupt(`${ref}: no layer ${diffId}`);
    for await (const e of tarEntries(await exportArchive())) {
      let path: string | undefined;
      try {
        path = safeEntryPath(e.path);
      } catch {
        path = undefined;
      }
      if (path !== want) {
        e.body.resume();
        continue;
      }
      yield* verified(e.body, diffId, ref);
      return;
    }
    throw corrupt(`${ref}: layer ${diffId} missing from the export`);
  }
  return {
    imageId: `sha256:${createHash('sha256').update(layout.config).digest('hex')}`,
    config: layout.config,
    repoTags: layout.manifest.RepoTags ?? [],
    layers,
    open,
    close: () => undefined,
  };
}
