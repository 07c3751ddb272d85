// Pushes an image (as the engine exports it) to a registry: config and gzip layers as blobs, skipping the
// blobs the registry already has, then an OCI image manifest under the tag. The config bytes are the engine's
// own, so the config digest in the registry is the image id every engine will show after a pull.
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { ImageArchive } from '../engine/imageArchive.js';
import { MediaType, type ImageManifest } from './ociSchemas.js';
import { sha256Digest, type RegistryClient } from './registryClient.js';

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
export function imageManifestOf(image: ImageArchive, layers: { digest: string; size: number }[]): Buffer {
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: image.imageId, size: image.config.length },
    layers: layers.map((l) => ({ mediaType: MediaType.ociLayerGzip, digest: l.digest, size: l.size })),
  };
  return Buffer.from(JSON.stringify(manifest));
}

export async function pushImageArchive(
  client: RegistryClient,
  repository: string,
  tag: string,
  image: ImageArchive,
  onProgress?: PushProgress,
): Promise<PushedImage> {
  const before = client.bytesSent;
  let pushed = 0;
  let skipped = 0;
  const layers: { digest: string; size: number }[] = [];
  const total = image.layers.length + 1;
  let step = 0;
  for (const l of image.layers) {
    onProgress?.(`compressing and pushing layer ${step + 1}/${image.layers.length}`, step, total);
    // zlib's gzip writes no name and mtime 0: the same layer compresses to the same blob every time, so a
    // layer already in the registry is recognised and skipped.
    const gz = await gzipAsync(l.data, { level: 6 });
    const digest = sha256Digest(gz);
    if ((await client.pushBlob(repository, digest, gz)) === 'pushed') pushed++;
    else skipped++;
    layers.push({ digest, size: gz.length });
    step++;
  }
  onProgress?.('pushing config', step, total);
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
