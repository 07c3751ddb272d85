// Image archives in `docker save` format (legacy and OCI layouts), read into memory from a file, a stream or
// a Docker engine (dockerode). Every layer is checked against the config's diff ids, and the config against
// the image id, so what comes out is exactly the image it claims to be.
import { createReadStream } from 'node:fs';
import { posix } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { extract } from 'tar-stream';
import * as z from 'zod';
import type Docker from 'dockerode';
import { assertSafeTarEntry, safeEntryPath } from './tarSafety.js';
import { sha256Hex } from './byteDelta.js';
import { corrupt, invalidInput, notFound, unavailable } from '../shared/errors.js';

/** Where an image comes from: an archive file, a readable archive stream, or an image in a Docker engine. */
export type ImageSource = { archivePath: string } | { stream: NodeJS.ReadableStream } | { docker: Docker; ref: string };

export interface ImageLayer {
  /** sha256:<hex> of the uncompressed layer tar. */
  diffId: string;
  data: Buffer;
}

export interface ImageArchive {
  /** sha256:<hex> of the config. */
  imageId: string;
  config: Buffer;
  repoTags: string[];
  layers: ImageLayer[];
}

const manifestSchema = z
  .array(z.object({ Config: z.string(), RepoTags: z.array(z.string()).nullish(), Layers: z.array(z.string()) }))
  .min(1);
const configSchema = z.object({ rootfs: z.object({ diff_ids: z.array(z.string().regex(/^sha256:[0-9a-f]{64}$/)) }) });

/** The archive bytes of a source (an engine's export: inspected first). */
export async function archiveStreamOf(src: ImageSource): Promise<NodeJS.ReadableStream> {
  if ('archivePath' in src) return createReadStream(src.archivePath);
  if ('stream' in src) return src.stream;
  try {
    // inspect first: some engines answer `GET /images/ID/get` for a missing image with a 500
    await src.docker.getImage(src.ref).inspect();
    return await src.docker.getImage(src.ref).get();
  } catch (err) {
    const status = (err as { statusCode?: number }).statusCode;
    if (status === 404) throw notFound(`image ${src.ref} not found in the engine`);
    throw unavailable(`cannot export image ${src.ref} from the engine: ${(err as Error).message}`, err);
  }
}

export function describeSource(src: ImageSource): string {
  return 'archivePath' in src ? src.archivePath : 'ref' in src ? src.ref : 'stream';
}

/** The entries of a tar, resolved: files by normalised path (symlinks and hard links inside it followed). */
async function readEntries(stream: NodeJS.ReadableStream): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const links: [string, string][] = [];
  const ex = extract();
  ex.on('entry', (header, body, next) => {
    try {
      const path = assertSafeTarEntry({ path: header.name, type: header.type ?? 'file', linkname: header.linkname });
      if (header.type === 'symlink' || header.type === 'link') {
        const target = header.type === 'link' ? header.linkname! : posix.join(posix.dirname(path), header.linkname ?? '');
        links.push([path, safeEntryPath(target)]);
      }
      const parts: Buffer[] = [];
      body.on('data', (c: unknown) => parts.push(c as Buffer));
      body.on('end', () => {
        if (header.type === 'file' || header.type === 'contiguous-file') files.set(path, Buffer.concat(parts));
        next();
      });
      body.on('error', (err: unknown) => next(err as Error));
    } catch (err) {
      body.on('error', () => undefined); // the extract stream reports the refusal
      body.resume();
      next(err as Error);
    }
  });
  await pipeline(stream, ex);
  for (const [from, to] of links) {
    const data = files.get(to);
    if (data) files.set(from, data);
  }
  return files;
}

function layerTar(data: Buffer): Buffer {
  // OCI archives from a containerd image store may hold gzip-compressed layers; diff ids are of the tar.
  return data.length > 2 && data[0] === 0x1f && data[1] === 0x8b ? gunzipSync(data) : data;
}

export async function readImageArchive(src: ImageSource): Promise<ImageArchive> {
  let files: Map<string, Buffer>;
  try {
    files = await readEntries(await archiveStreamOf(src));
  } catch (err) {
    if (err instanceof Error && err.name === 'EdgePushError') throw err;
    throw invalidInput(`${describeSource(src)} is not a readable image archive: ${(err as Error).message}`, err);
  }
  const manifestBuf = files.get('manifest.json');
  if (!manifestBuf) throw invalidInput(`${describeSource(src)} is not an image archive (no manifest.json)`);
  const manifest = manifestSchema.safeParse(JSON.parse(manifestBuf.toString('utf8')));
  if (!manifest.success) throw invalidInput(`${describeSource(src)}: unexpected manifest.json`);
  const entry = manifest.data[0]!;
  const config = files.get(safeEntryPath(entry.Config));
  if (!config) throw corrupt(`${describeSource(src)}: config ${entry.Config} missing`);
  const parsed = configSchema.safeParse(JSON.parse(config.toString('utf8')));
  if (!parsed.success) throw corrupt(`${describeSource(src)}: image config has no rootfs diff ids`);
  const diffIds = parsed.data.rootfs.diff_ids;
  if (diffIds.length !== entry.Layers.length) throw corrupt(`${describeSource(src)}: layer count does not match the config`);
  const layers = entry.Layers.map((p, i) => {
    const raw = files.get(safeEntryPath(p));
    if (!raw) throw corrupt(`${describeSource(src)}: layer ${p} missing`);
    const data = layerTar(raw);
    if (`sha256:${sha256Hex(data)}` !== diffIds[i]) throw corrupt(`${describeSource(src)}: layer ${p} does not match its diff id`);
    return { diffId: diffIds[i]!, data };
  });
  return { imageId: `sha256:${sha256Hex(config)}`, config, repoTags: entry.RepoTags ?? [], layers };
}
