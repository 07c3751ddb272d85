// Pushes an image (as the engine exports it) to a registry: config and gzip layers as blobs, skipping the
// blobs the registry already has, then an OCI image manifest under the tag. The config bytes are the engine's
// own, so the config digest in the registry is the image id every engine will show after a pull. A small image
// is pushed from memory; a large one (an archive file, localImage.ts) a layer at a time: gzipped from its file
// range to a file in the spool folder (its digest known before the upload, so a blob the registry has is
// skipped) and uploaded from there as a stream.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGzip, gzip } from 'node:zlib';
import type { ImageArchive } from '../engine/imageArchive.js';
import type { IndexedImageFile } from '../engine/imageLayers.js';
import { MediaType, type ImageManifest } from './ociSchemas.js';
import { sha256Digest, type RegistryClient } from './registryClient.js';
import type { StreamedBody } from './httpRequest.js';
import { inFile, type LocalImage } from './localImage.js';

const gzipAsync = promisify(gzip);

export interface PushedImage {
  repository: string;
  tag: string;
  manifestDigest: string;
  manifestSize: number;
  /** Config digest = the image id. */
  imageId: string;
  blobsPushed: number;
  blobsSkipped: number;
  /** Blob and manifest bytes sent in this push. */
  bytesUploaded: number;
  /** Compressed size of all layers (what a full layer pull of this image costs). */
  layerBytes: number;
  /** Each layer: diff id, blob digest and compressed size. */
  layers: { diffId: string; digest: string; size: number }[];
}

export interface PushProgress {
  (phase: string, done: number, total: number): void;
}

/** The OCI manifest for an image whose layers are compressed as given. */
export function imageManifestOf(image: Pick<ImageArchive, 'imageId' | 'config'>, layers: { digest: string; size: number }[]): Buffer {
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: image.imageId, size: image.config.length },
    layers: layers.map((l) => ({ mediaType: MediaType.ociLayerGzip, digest: l.digest, size: l.size })),
  };
  return Buffer.from(JSON.stringify(manifest));
}

/** A layer's gzip blob, ready to upload; `done` frees what holds it. */
interface LayerBlob {
  digest: string;
  size: number;
  data: Buffer | StreamedBody;
  done?(): Promise<void>;
}

// zlib's gzip writes no name and mtime 0, and a stream of it the same bytes as one call over the whole layer: the
// same layer compresses to the same blob every time, from memory or from a file, so a layer already in the
// registry is recognised and skipped.
async function blobInMemory(data: Buffer): Promise<LayerBlob> {
  const gz = await gzipAsync(data, { level: 6 });
  return { digest: sha256Digest(gz), size: gz.length, data: gz };
}

async function blobInFile(image: IndexedImageFile, diffId: string, path: string): Promise<LayerBlob> {
  const h = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(c: Buffer, _e, cb) {
      h.update(c);
      size += c.length;
      cb(null, c);
    },
  });
  try {
    // open() checks the layer against its diff id at its end: a damaged archive fails here, before any upload
    await pipeline(image.open(diffId), createGzip({ level: 6 }), tap, createWriteStream(path));
  } catch (err) {
    await rm(path, { force: true });
    throw err;
  }
  return {
    digest: `sha256:${h.digest('hex')}`,
    size,
    data: { size, open: () => createReadStream(path, { highWaterMark: 1 << 20 }) },
    done: () => rm(path, { force: true }),
  };
}

export interface PushImageOptions {
  /** Where a large image's compressed layers are written, one at a time (default: the OS temp dir; the image
   *  spool's folder, so that disposing of it removes whatever an interrupted push left). */
  workDir?: string;
  onProgress?: PushProgress;
}

/** Pushes an image held in memory or, large, in an archive file (localImage.ts). */
export async function pushImage(
  client: RegistryClient,
  repository: string,
  tag: string,
  image: LocalImage,
  opts: PushImageOptions = {},
): Promise<PushedImage> {
  if (!inFile(image)) return pushImageArchive(client, repository, tag, image, opts.onProgress);
  const dir = opts.workDir ?? tmpdir();
  const blobOf = (i: number) => blobInFile(image, image.layers[i]!.diffId, join(dir, `edgepush-layer-${randomUUID()}.gz`));
  return pushLayers(client, repository, tag, image, blobOf, opts.onProgress);
}

export function pushImageArchive(
  client: RegistryClient,
  repository: string,
  tag: string,
  image: ImageArchive,
  onProgress?: PushProgress,
): Promise<PushedImage> {
  return pushLayers(client, repository, tag, image, (i) => blobInMemory(image.layers[i]!.data), onProgress);
}

async function pushLayers(
  client: RegistryClient,
  repository: string,
  tag: string,
  image: { imageId: string; config: Buffer; layers: readonly { diffId: string }[] },
  blobOf: (i: number) => Promise<LayerBlob>,
  onProgress?: PushProgress,
): Promise<PushedImage> {
  const before = client.bytesSent;
  let pushed = 0;
  let skipped = 0;
  const layers: { digest: string; size: number }[] = [];
  const total = image.layers.length + 1;
  for (let step = 0; step < image.layers.length; step++) {
    onProgress?.(`compressing and pushing layer ${step + 1}/${image.layers.length}`, step, total);
    const blob = await blobOf(step);
    try {
      if ((await client.pushBlob(repository, blob.digest, blob.data)) === 'pushed') pushed++;
      else skipped++;
    } finally {
      await blob.done?.();
    }
    layers.push({ digest: blob.digest, size: blob.size });
  }
  onProgress?.('pushing config', image.layers.length, total);
  if ((await client.pushBlob(repository, image.imageId, image.config)) === 'pushed') pushed++;
  else skipped++;
  const manifest = imageManifestOf(image, layers);
  const { digest } = await client.putManifest(repository, tag, manifest, MediaType.ociManifest);
  onProgress?.('pushed', total, total);
  return {
    repository,
    tag,
    manifestDigest: digest,
    manifestSize: manifest.length,
    imageId: image.imageId,
    blobsPushed: pushed,
    blobsSkipped: skipped,
    bytesUploaded: client.bytesSent - before,
    layerBytes: layers.reduce((s, l) => s + l.size, 0),
    layers: layers.map((l, i) => ({ diffId: image.layers[i]!.diffId, ...l })),
  };
}
