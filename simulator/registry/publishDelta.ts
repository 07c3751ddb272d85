// Publishing the delta between two images that are (or are made to be) in a registry: FROM and TO are pushed
// when missing (blobs the registry has are skipped), the EdgePush image delta is computed by the embedded
// engine, and pushed as an artifact whose subject is TO. A delta already in the registry for the same pair is
// reused, not recomputed.
import { createImageDeltaOffThread } from '../engine/imageDeltaOffThread.js';
import type { ImageArchive } from '../engine/imageArchive.js';
import { MediaType } from './ociSchemas.js';
import { deltaTag, findDeltaByTag, pushDeltaArtifact, type DeltaEnds, type PushedDelta } from './deltaArtifact.js';
import type { PushedImage } from './imagePush.js';
import type { RegistryClient } from './registryClient.js';

export interface PublishedDelta extends PushedDelta {
  fromImageId: string;
  toImageId: string;
  /** What a layer pull of TO costs on a device that has FROM: TO's manifest, config and the compressed layers
   *  FROM lacks. */
  layerPullBytes: number;
  reused: boolean;
  seconds: number;
}

export function endsOf(p: PushedImage): DeltaEnds {
  return { manifest: { digest: p.manifestDigest, mediaType: MediaType.ociManifest, size: p.manifestSize }, imageId: p.imageId };
}

/** Without tags: the device loads the rebuilt image untagged and tags it in its own scope. */
const untagged = (a: ImageArchive): ImageArchive => ({ ...a, repoTags: [] });

export async function publishDelta(
  client: RegistryClient,
  repository: string,
  from: { image: ImageArchive; ends: DeltaEnds },
  to: { image: ImageArchive; pushed: PushedImage },
): Promise<PublishedDelta> {
  const started = performance.now();
  const fromLayers = new Set(from.image.layers.map((l) => l.diffId));
  const layerPullBytes =
    to.pushed.manifestSize + to.image.config.length + to.pushed.layers.reduce((s, l) => s + (fromLayers.has(l.diffId) ? 0 : l.size), 0);
  const existing = await findDeltaByTag(client, repository, from.image.imageId, to.image.imageId);
  const common = { fromImageId: from.image.imageId, toImageId: to.image.imageId, layerPullBytes };
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
  // Off the main thread (the engine's kept worker): a rollout keeps following devices while deltas are made.
  const delta = await createImageDeltaOffThread({ basis: untagged(from.image), target: untagged(to.image), estimates: false });
  const pushed = await pushDeltaArtifact(client, repository, from.ends, endsOf(to.pushed), Buffer.concat(delta.chunks));
  return { ...common, ...pushed, reused: false, seconds: (performance.now() - started) / 1000 };
}
