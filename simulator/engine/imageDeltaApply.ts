// Rebuilds an image from a basis plus an image delta: every digest is checked (basis layers on read, each
// rebuilt layer against its diff id, the config against the image id), the result is a `docker save` archive
// written atomically to a file and/or loaded into a Docker engine, so the new image appears only when complete.
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import { ByteReader } from './byteReader.js';
import { applyByteDeltaFrom, applyWindowedDeltaFrom, readByteDeltaHeader, sha256Hex } from './byteDelta.js';
import { inMemoryLayers, type ImageLayers } from './imageLayers.js';
import { applyWorkDir, openApplyBasis, type ApplyBasis } from './imageDeltaApplyBasis.js';
import { decodeImageDeltaHeader, type ImageDeltaHeader } from './imageDeltaFormat.js';
import { writeImageArchive, type ArchiveLayerSource } from './imageArchiveWriter.js';
import type { ImageArchive, ImageSource } from './imageArchive.js';
import { commitFileAtomically } from './atomicFile.js';
import { guardLayer } from './layerGuard.js';
import { TarRootModel } from './tarSafety.js';
import { APPLY_WORKING_BYTES, applyNeeds, checkHeaderAgainstBasis, checkHeaderConsistency } from './imageDeltaChecks.js';
import { checkFreeResources } from './freeResources.js';
import { imageArchiveSize } from './imageArchiveWriter.js';
import { EdgePushError, conflict, corrupt, unavailable } from '../shared/errors.js';

export type DeltaInput = string | NodeJS.ReadableStream | AsyncIterable<Uint8Array>;

const toIterable = (d: DeltaInput): AsyncIterable<Uint8Array> =>
  typeof d === 'string' ? createReadStream(d) : (d as AsyncIterable<Uint8Array>);

/** Reads only the header: which basis the delta needs and what it produces. */
export async function readImageDeltaHeader(delta: DeltaInput): Promise<ImageDeltaHeader> {
  return (await readImageDeltaHead(delta)).header;
}

/** The header and how many bytes it takes (the byte deltas follow it). */
export async function readImageDeltaHead(delta: DeltaInput): Promise<{ header: ImageDeltaHeader; headerBytes: number }> {
  const src = toIterable(delta);
  try {
    const reader = new ByteReader(src);
    const header = await decodeImageDeltaHeader(reader);
    return { header, headerBytes: reader.consumed };
  } finally {
    if (typeof delta === 'string') (src as Readable).destroy();
  }
}

export interface ApplyImageDeltaOptions {
  delta: DeltaInput;
  /** The basis image; with `docker` and no basis, the engine's image `header.basis.imageId` is used. Layers
   *  read on demand (imageLayers.ts) are used as they are. */
  basis?: ImageSource | ImageArchive | ImageLayers;
  /** Load the rebuilt image into this engine. */
  docker?: Docker;
  /** Write the rebuilt `docker save` archive here (atomically). Without it and without docker: verify only. */
  outputPath?: string;
  /** Tags for the loaded image instead of the ones recorded in the delta. */
  repoTags?: string[];
  /** Where a temp folder goes (default: the OS temp dir): for the archive that is loaded without outputPath,
   *  and for a basis read on demand that is spooled (a stream) or inflated (gzip-compressed layers). */
  workDir?: string;
  /** Memory to stay within: the basis is then read on demand (imageDeltaApplyBasis.ts: an archive file by
   *  offset, an engine export once per layer read; a stream spooled to a file, gzip-compressed layers inflated
   *  to one) instead of held, and windowed layer deltas stream it. Also chosen without this when the basis is
   *  larger than half the default budget. */
  memoryBudget?: number;
  /** Leave the basis layers out of the archive (listed, not written): for loading into the engine that holds
   *  the basis, it writes only the new layers (default false: a complete archive). */
  thin?: boolean;
}

export interface ApplyImageDeltaResult {
  imageId: string;
  repoTags: string[];
  archiveBytes: number;
  loaded: boolean;
  outputPath?: string;
}

/** The rebuilt archive as a stream; it errors (before manifest.json) when any check fails. The header must
 *  have passed checkHeaderConsistency and checkHeaderAgainstBasis. With a basis read on demand (imageLayers.ts),
 *  a windowed layer delta streams its old input (the basis layers it names, in order) and nothing of the basis
 *  is held; a whole-input one holds that old input, as with a basis in memory. */
export async function imageDeltaArchiveStream(
  reader: ByteReader,
  header: ImageDeltaHeader,
  basisIn?: ImageArchive | ImageLayers,
  repoTags?: string[],
  thin = false,
): Promise<Readable> {
  const config = Buffer.from(header.target.config, 'utf8');
  if (`sha256:${sha256Hex(config)}` !== header.target.imageId) throw corrupt('image delta config does not match its image id');
  const basis = basisIn && ('open' in basisIn ? basisIn : inMemoryLayers(basisIn));
  const sizes = new Map(basis?.layers.map((l) => [l.diffId, l.size]) ?? []);
  const need = header.basis ? [...header.basis.oldLayers, ...header.basis.reusedLayers] : [];
  const missing = need.filter((id) => !sizes.has(id));
  if (missing.length) throw conflict(`wrong basis: it lacks layer ${missing[0]} (the delta needs image ${header.basis?.imageId})`);
  const oldIds = header.basis?.oldLayers ?? [];
  const oldSize = oldIds.reduce((n, id) => n + sizes.get(id)!, 0);
  async function* oldStream(): AsyncGenerator<Uint8Array> {
    for (const id of oldIds) yield* basis!.open(id);
  }
  // One piece is used as it is: a copy would be fresh pages and a second copy of old held.
  const joined = (parts: Uint8Array[]): Uint8Array => (parts.length === 1 ? parts[0]! : Buffer.concat(parts));
  let oldHeld: Uint8Array | undefined;
  async function oldBytes(): Promise<Uint8Array> {
    if (oldHeld) return oldHeld;
    if (basisIn && !('open' in basisIn)) {
      const byId = new Map(basisIn.layers.map((l) => [l.diffId, l.data]));
      return (oldHeld = joined(oldIds.map((id) => byId.get(id)!)));
    }
    await checkFreeResources({ memoryBytes: oldSize + APPLY_WORKING_BYTES });
    const parts: Uint8Array[] = [];
    for await (const c of oldStream()) parts.push(c);
    return (oldHeld = joined(parts));
  }

  async function* rebuilt(diffId: string, size: number): AsyncGenerator<Uint8Array> {
    const h = await readByteDeltaHeader(reader);
    if (`sha256:${h.newSha256}` !== diffId || h.newSize !== size) throw corrupt(`image delta payload does not rebuild layer ${diffId}`);
    if (h.oldSize !== oldSize) throw conflict(`wrong basis: the delta was made against ${h.oldSize} bytes, not ${oldSize}`);
    // Old is the basis layers the header names, each checked against its diff id as it was read (readImageArchive,
    // or ImageLayers.open, which fails at a layer's end): the byte delta does not hash it again. On a device
    // without SHA instructions (a Raspberry Pi 4 has none) a hash costs several times what it does here.
    const basisVerified = { basisVerified: true };
    if (h.windowLog > 0) {
      // one window of old and a block with its sections, whatever the declared sizes
      await checkFreeResources({ memoryBytes: Math.min(2 ** h.windowLog, oldSize) + 3 * h.blockSize });
      yield* applyWindowedDeltaFrom(oldStream(), reader, h, undefined, basisVerified);
    } else yield* applyByteDeltaFrom(await oldBytes(), reader, h, undefined, basisVerified);
  }
  // Every layer, reused ones included, goes through one model in order: a link made in one layer and
  // followed by an entry of a later one is resolved as the engine's extraction would.
  const model = new TarRootModel();
  const shared = sharedChain(header, basis);
  const layers: ArchiveLayerSource[] = header.target.layers.map((l, i) => {
    if (l.source === 'repeat') return { diffId: l.diffId, size: l.size, data: new Uint8Array(0) };
    const source = l.source === 'basis' ? basis!.open(l.diffId) : rebuilt(l.diffId, l.size);
    return { diffId: l.diffId, size: l.size, data: guardLayer(source, `layer ${l.diffId}`, model), omitted: thin && i < shared };
  });
  // An empty trailing "layer" is not possible in the archive, so the end-of-delta check rides on the last
  // rebuilt one.
  const lastRebuilt = header.target.layers.map((l) => l.source).lastIndexOf('delta');
  if (lastRebuilt >= 0) {
    const last = layers[lastRebuilt]!;
    const inner = last.data as AsyncIterable<Uint8Array>;
    last.data = (async function* () {
      yield* inner;
      if (!(await reader.atEnd())) throw corrupt('unexpected bytes after the end of the image delta');
    })();
  }
  return writeImageArchive({ imageId: header.target.imageId, config, repoTags: repoTags ?? header.target.repoTags, layers });
}

/** How many bottom layers the target shares with the basis, in the same order: a chain the engine holding the
 *  basis has, so a thin archive may leave them out (a basis layer higher up, over a rebuilt one, is another
 *  chain, which the engine has to be given). */
export function sharedChain(header: ImageDeltaHeader, basis: { layers: { diffId: string }[] } | undefined): number {
  let n = 0;
  while (basis && n < header.target.layers.length && n < basis.layers.length && header.target.layers[n]!.diffId === basis.layers[n]!.diffId)
    n++;
  return n;
}

function counter(): Transform & { bytes: number } {
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      t.bytes += chunk.length;
      cb(null, chunk);
    },
  }) as Transform & { bytes: number };
  t.bytes = 0;
  return t;
}

async function loadArchive(docker: Docker, path: string, imageId: string): Promise<void> {
  let res: NodeJS.ReadableStream;
  try {
    res = await docker.loadImage(path);
  } catch (err) {
    throw unavailable(`the engine refused the image: ${(err as Error).message}`, err);
  }
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(res, (err: Error | null, out: { error?: string; errorDetail?: { message?: string } }[]) => {
      const failed = err?.message ?? out.find((o) => o.error)?.error;
      if (failed) reject(unavailable(`the engine could not load the image: ${failed}`));
      else resolve();
    });
  });
  await docker.getImage(imageId).inspect();
}

export async function applyImageDelta(opts: ApplyImageDeltaOptions): Promise<ApplyImageDeltaResult> {
  const reader = new ByteReader(toIterable(opts.delta));
  const header = await decodeImageDeltaHeader(reader);
  const payloadBytes = typeof opts.delta === 'string' ? (await stat(opts.delta)).size - reader.consumed : undefined;
  checkHeaderConsistency(header, { payloadBytes });
  let basis: ApplyBasis | undefined;
  if (header.basis) {
    const src = opts.basis ?? (opts.docker ? { docker: opts.docker, ref: header.basis.imageId } : undefined);
    if (!src) throw conflict(`the delta needs basis image ${header.basis.imageId}; none was given`);
    try {
      basis = 'open' in src ? layersGiven(src) : await openApplyBasis(src, opts.memoryBudget, opts.workDir ?? tmpdir());
    } catch (err) {
      if (EdgePushError.is(err, 'not-found')) throw conflict(`the delta needs basis image ${header.basis.imageId}, which is not here`);
      throw err;
    }
  }
  try {
    return await applyWith(opts, reader, header, basis?.basis);
  } finally {
    await basis?.dispose();
  }
}

const layersGiven = (layers: ImageLayers): ApplyBasis => ({ basis: layers, dispose: async () => layers.close() });

async function applyWith(
  opts: ApplyImageDeltaOptions,
  reader: ByteReader,
  header: ImageDeltaHeader,
  basis: ImageArchive | ImageLayers | undefined,
): Promise<ApplyImageDeltaResult> {
  const streamed = basis !== undefined && 'open' in basis;
  const basisFacts = basis && {
    imageId: basis.imageId,
    layers: 'open' in basis ? basis.layers : basis.layers.map((l) => ({ diffId: l.diffId, size: l.data.length })),
  };
  checkHeaderAgainstBasis(header, basisFacts);
  const repoTags = opts.repoTags ?? header.target.repoTags;
  const shared = sharedChain(header, basis);
  const layers = header.target.layers.map((l, i) => ({ ...l, omitted: opts.thin === true && i < shared }));
  const expected = imageArchiveSize({
    imageId: header.target.imageId,
    configSize: Buffer.byteLength(header.target.config),
    repoTags,
    layers,
  });
  const tmpDir = !opts.outputPath && opts.docker ? await applyWorkDir(opts.workDir ?? tmpdir()) : undefined;
  const path = opts.outputPath ?? (tmpDir ? join(tmpDir, 'image.tar') : undefined);
  try {
    // The basis is in memory already; what is left to allocate is the old input and the working blocks.
    const needs = applyNeeds(header, 0, basisFacts, streamed);
    await checkFreeResources({ memoryBytes: needs.memoryBytes, diskBytes: path ? expected : undefined }, path ? dirname(path) : undefined);
    const count = counter();
    // The archive starts once its destination is open (an early failure then has a listener), and its size
    // is checked before the commit: a rejected delta leaves no output behind.
    const written = async (out: NodeJS.WritableStream) => {
      await pipeline(await imageDeltaArchiveStream(reader, header, basis, repoTags, opts.thin), count, out);
      if (count.bytes !== expected) throw corrupt(`rebuilt archive has ${count.bytes} bytes, expected ${expected}`);
    };
    if (path) await commitFileAtomically(path, written);
    else await written(new Writable({ write: (_c, _e, cb) => cb() })); // verify only
    if (opts.docker && path) await loadArchive(opts.docker, path, header.target.imageId);
    return {
      imageId: header.target.imageId,
      repoTags,
      archiveBytes: count.bytes,
      loaded: Boolean(opts.docker),
      outputPath: opts.outputPath,
    };
  } finally {
    if (tmpDir) await rm(tmpDir, { recursive: true, force: true });
  }
}
