// Publishing the delta between two images that are (or are made to be) in a registry: FROM and TO are pushed
// when missing (blobs the registry has are skipped), the EdgePush image delta is computed by the embedded
// engine, and pushed as an artifact whose subject is TO. A delta already in the registry for the same pair is
// reused, not recomputed. Small images are diffed in memory; large ones (either in an archive file, or the two
// beyond the engine's rule, imagesHeldInFiles) from their archive files within a memory budget, the delta
// written to a file of its own, hashed and uploaded from there as a stream, and removed however it ends.
import { createImageDeltaOffThread } from '../engine/imageDeltaOffThread.js';
import { createImageDeltaFileOffThread, imagesHeldInFiles } from '../engine/imageDeltaFileOffThread.js';
import { writeImageArchive } from '../engine/imageArchiveWriter.js';
import { readImageArchive, type ImageArchive, type ImageSource } from '../engine/imageArchive.js';
import { MediaType } from './ociSchemas.js';
import { deltaTag, findDeltaByTag, pushDeltaArtifact, type DeltaEnds, type PushedDelta } from './deltaArtifact.js';
import type { PushedImage } from './imagePush.js';
import type { RegistryClient } from './registryClient.js';
import { imageBytesOf, inFile, type LocalImage } from './localImage.js';

export interface PublishedDelta extends PushedDelta {
  fromImageId: string;
  toImageId: string;
  /** What a layer pull of TO costs on a device that has FROM: TO's manifest, config and the compressed layers
   *  FROM lacks. */
  layerPullBytes: number;
  reused: boolean;
  seconds: number;
  /** Made from the archive files within the memory budget (large images), not in memory. */
  fromFiles: boolean;
}

export interface PublishDeltaOptions {
  /** Memory a delta of large images is made within (default: the engine's, 256 MiB). */
  memoryBudget?: number;
  /** Where a delta of large images is written (default: the OS temp dir; a folder of its own, removed after). */
  workDir?: string;
}

export function endsOf(p: PushedImage): DeltaEnds {
  return { manifest: { digest: p.manifestDigest, mediaType: MediaType.ociManifest, size: p.manifestSize }, imageId: p.imageId };
}

/** Without tags: the device loads the rebuilt image untagged and tags it in its own scope. */
const untagged = (a: ImageArchive): ImageArchive => ({ ...a, repoTags: [] });

/** An image as the file-based delta reads it: its archive file, or (held in memory already) written out as one. */
const fileSource = (img: LocalImage): ImageSource =>
  inFile(img)
    ? { archivePath: img.path }
    : {
        stream: writeImageArchive({
          ...untagged(img),
          layers: img.layers.map((l) => ({ diffId: l.diffId, size: l.data.length, data: l.data })),
        }),
      };

/** An image as the in-memory delta reads it (an archive file of a small image is read in). */
const inMemory = async (img: LocalImage): Promise<ImageArchive> =>
  untagged(inFile(img) ? await readImageArchive({ archivePath: img.path }) : img);

export async function publishDelta(
  client: RegistryClient,
  repository: string,
  from: { image: LocalImage; ends: DeltaEnds },
  to: { image: LocalImage; pushed: PushedImage },
  opts: PublishDeltaOptions = {},
): Promise<PublishedDelta> {
  const started = performance.now();
  const fromLayers = new Set(from.image.layers.map((l) => l.diffId));
  const layerPullBytes =
    to.pushed.manifestSize + to.image.config.length + to.pushed.layers.reduce((s, l) => s + (fromLayers.has(l.diffId) ? 0 : l.size), 0);
  const existing = await findDeltaByTag(client, repository, from.image.imageId, to.image.imageId);
  const fromFiles =
    inFile(from.image) || inFile(to.image) || imagesHeldInFiles([imageBytesOf(from.image), imageBytesOf(to.image)], opts.memoryBudget);
  const common = { fromImageId: from.image.imageId, toImageId: to.image.imageId, layerPullBytes, fromFiles };
  if (existing) {
    return {
      ...common,
      manifestDigest: existing.manifestDigest,
      tag: deltaTag(from.image.imageId, to.image.imageId),
      deltaDigest: existing.blob.digest,
      deltaBytes: existing.blob.size,
      discovery: existing.foundBy === 'referrers' ? 'referrers' : 'tag-schema',
      existed: true,
      reused: true,
      seconds: (performance.now() - started) / 1000,
    };
  }
  const done = (pushed: PushedDelta): PublishedDelta => ({
    ...common,
    ...pushed,
    reused: false,
    seconds: (performance.now() - started) / 1000,
  });
  if (!fromFiles) {
    // Off the main thread (the engine's kept worker): a rollout keeps following devices while deltas are made.
    const delta = await createImageDeltaOffThread({
      basis: await inMemory(from.image),
      target: await inMemory(to.image),
      estimates: false,
    });
    return done(await pushDeltaArtifact(client, repository, from.ends, endsOf(to.pushed), Buffer.concat(delta.chunks)));
  }
  const delta = await createImageDeltaFileOffThread({
    basis: fileSource(from.image),
    target: fileSource(to.image),
    estimates: false,
    memoryBudget: opts.memoryBudget,
    workDir: opts.workDir,
  });
  try {
    return done(await pushDeltaArtifact(client, repository, from.ends, endsOf(to.pushed), delta.content));
  } finally {
    await delta.dispose();
  }
}
