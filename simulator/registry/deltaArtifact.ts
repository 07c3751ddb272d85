// EdgePush image deltas as OCI artifacts (distribution spec 1.1). A delta FROM → TO is an image manifest with
// `artifactType` ours, the OCI empty config, one layer (the delta bytes), `subject` = TO's manifest, and
// annotations naming FROM (manifest digest and image id) and TO's image id. A device that wants TO asks for
// TO's referrers: the referrers API where the registry has it (`OCI-Subject` on the push says so), otherwise
// the spec's tag schema fallback, an image index under the tag `sha256-<hex of TO's manifest digest>` that the
// pusher keeps up to date. The delta is also tagged `delta-<from>-<to>` (image ids, 32 hex each), as balena
// names its delta images, so a pusher finds an existing delta without listing referrers.
import { EdgePushError, corrupt } from '../shared/errors.js';
import {
  EMPTY_CONFIG,
  EMPTY_CONFIG_DIGEST,
  MediaType,
  imageIndexSchema,
  imageManifestSchema,
  type Descriptor,
  type ImageIndex,
  type ImageManifest,
} from './ociSchemas.js';
import { sha256Digest, type ManifestHead, type RegistryClient } from './registryClient.js';
import type { DeltaBytes } from '../engine/deltaBytes.js';
import type { StreamedBody } from './httpRequest.js';

export const DELTA_ARTIFACT_TYPE = 'application/vnd.edgepush.image-delta.v1';
export const DELTA_BLOB_TYPE = 'application/vnd.edgepush.image-delta.v1.bin';

export const Annotation = {
  baseManifest: 'io.edgepush.delta.base.manifest',
  baseImageId: 'io.edgepush.delta.base.image-id',
  targetImageId: 'io.edgepush.delta.target.image-id',
} as const;

export interface DeltaEnds {
  /** The image manifest (as the registry holds it) and its image id. */
  manifest: ManifestHead;
  imageId: string;
}

export interface PushedDelta {
  manifestDigest: string;
  tag: string;
  deltaDigest: string;
  deltaBytes: number;
  /** How a device will find it: the registry indexes `subject` itself, or the tag-schema index was updated. */
  discovery: 'referrers' | 'tag-schema';
  /** The delta was in the registry already (same from, to and bytes): nothing uploaded. */
  existed: boolean;
}

export interface DeltaArtifact {
  manifestDigest: string;
  baseManifest: string;
  baseImageId: string;
  targetImageId: string;
  /** The delta blob. */
  blob: Descriptor;
  foundBy: 'referrers' | 'tag-schema' | 'tag';
}

const hex32 = (digest: string) => digest.replace(/^sha256:/, '').slice(0, 32);

/** `delta-<from image id, 32 hex>-<to image id, 32 hex>`. */
export function deltaTag(fromImageId: string, toImageId: string): string {
  return `delta-${hex32(fromImageId)}-${hex32(toImageId)}`;
}

/** The tag schema fallback's tag for a subject: `sha256-<hex>`. */
export function referrersTag(subjectDigest: string): string {
  return subjectDigest.replace(':', '-');
}

export function deltaManifestOf(from: DeltaEnds, to: DeltaEnds, blob: { digest: string; size: number }): Buffer {
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    artifactType: DELTA_ARTIFACT_TYPE,
    config: { mediaType: MediaType.ociEmpty, digest: EMPTY_CONFIG_DIGEST, size: EMPTY_CONFIG.length },
    layers: [{ mediaType: DELTA_BLOB_TYPE, digest: blob.digest, size: blob.size }],
    subject: { mediaType: to.manifest.mediaType, digest: to.manifest.digest, size: to.manifest.size },
    annotations: {
      [Annotation.baseManifest]: from.manifest.digest,
      [Annotation.baseImageId]: from.imageId,
      [Annotation.targetImageId]: to.imageId,
    },
  };
  return Buffer.from(JSON.stringify(manifest));
}

export async function pushDeltaArtifact(
  client: RegistryClient,
  repository: string,
  from: DeltaEnds,
  to: DeltaEnds,
  delta: Buffer | DeltaBytes,
): Promise<PushedDelta> {
  // A delta of large images stays in its file: hashed from there and uploaded as a stream (1 MiB reads).
  const deltaDigest = Buffer.isBuffer(delta) ? sha256Digest(delta) : await delta.digest();
  const body: Buffer | StreamedBody = Buffer.isBuffer(delta) ? delta : { size: delta.size, open: () => delta.stream(0, 1 << 20) };
  const deltaSize = Buffer.isBuffer(delta) ? delta.length : delta.size;
  const tag = deltaTag(from.imageId, to.imageId);
  const manifest = deltaManifestOf(from, to, { digest: deltaDigest, size: deltaSize });
  const existing = await client.headManifest(repository, tag);
  const existed = existing?.digest === sha256Digest(manifest);
  await client.pushBlob(repository, EMPTY_CONFIG_DIGEST, EMPTY_CONFIG);
  await client.pushBlob(repository, deltaDigest, body);
  const put = await client.putManifest(repository, tag, manifest, MediaType.ociManifest);
  const descriptor: Descriptor = {
    mediaType: MediaType.ociManifest,
    digest: put.digest,
    size: manifest.length,
    artifactType: DELTA_ARTIFACT_TYPE,
    annotations: {
      [Annotation.baseManifest]: from.manifest.digest,
      [Annotation.baseImageId]: from.imageId,
      [Annotation.targetImageId]: to.imageId,
    },
  };
  if (!put.subjectHandled) await addToReferrersIndex(client, repository, to.manifest.digest, descriptor);
  return {
    manifestDigest: put.digest,
    tag,
    deltaDigest,
    deltaBytes: deltaSize,
    discovery: put.subjectHandled ? 'referrers' : 'tag-schema',
    existed,
  };
}

/**
 * The tag schema fallback (distribution spec 1.1, "Pushing Manifests with Subject"): fetch the index at
 * `sha256-<hex>`, add the descriptor (replacing one with the same digest), push it back. Last writer wins: two
 * pushers of deltas for the same TO at the same moment can drop one another's entry (the spec accepts this; the
 * delta is still found by its `delta-` tag by whoever pushed it).
 */
async function addToReferrersIndex(client: RegistryClient, repository: string, subject: string, d: Descriptor): Promise<void> {
  const tag = referrersTag(subject);
  let index: ImageIndex = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
  try {
    const m = await client.getManifest(repository, tag);
    const parsed = imageIndexSchema.safeParse(JSON.parse(m.bytes.toString('utf8')));
    if (parsed.success) index = parsed.data;
  } catch (err) {
    if (!EdgePushError.is(err, 'not-found')) throw err;
  }
  index.manifests = [...index.manifests.filter((x) => x.digest !== d.digest), d];
  await client.putManifest(repository, tag, Buffer.from(JSON.stringify(index)), MediaType.ociIndex);
}

function artifactOf(d: Descriptor, manifest: ImageManifest, foundBy: DeltaArtifact['foundBy']): DeltaArtifact | undefined {
  const a = manifest.annotations ?? d.annotations ?? {};
  const blob = manifest.layers[0];
  const baseManifest = a[Annotation.baseManifest];
  const baseImageId = a[Annotation.baseImageId];
  const targetImageId = a[Annotation.targetImageId];
  if (
    manifest.artifactType !== DELTA_ARTIFACT_TYPE ||
    !blob ||
    blob.mediaType !== DELTA_BLOB_TYPE ||
    !baseManifest ||
    !baseImageId ||
    !targetImageId
  )
    return undefined;
  return { manifestDigest: d.digest, baseManifest, baseImageId, targetImageId, blob, foundBy };
}

async function readArtifact(
  client: RegistryClient,
  repository: string,
  d: Descriptor,
  foundBy: DeltaArtifact['foundBy'],
): Promise<DeltaArtifact | undefined> {
  const m = await client.getManifest(repository, d.digest);
  const parsed = imageManifestSchema.safeParse(JSON.parse(m.bytes.toString('utf8')));
  if (!parsed.success) throw corrupt(`delta artifact ${d.digest} in ${repository} is not an image manifest`);
  return artifactOf(d, parsed.data, foundBy);
}

/**
 * The deltas whose target is `subject` (a manifest digest): by the referrers API, or (registry without it)
 * by the tag schema index. `wantBase` narrows by the descriptors' annotations before fetching manifests, so
 * a device with one base image fetches one small manifest.
 */
export async function findDeltas(
  client: RegistryClient,
  repository: string,
  subject: string,
  wantBase?: (imageId: string) => boolean,
): Promise<DeltaArtifact[]> {
  let descriptors = await client.referrers(repository, subject, DELTA_ARTIFACT_TYPE);
  let foundBy: DeltaArtifact['foundBy'] = 'referrers';
  if (descriptors === null) {
    foundBy = 'tag-schema';
    try {
      const m = await client.getManifest(repository, referrersTag(subject));
      const parsed = imageIndexSchema.safeParse(JSON.parse(m.bytes.toString('utf8')));
      descriptors = parsed.success ? parsed.data.manifests : [];
    } catch (err) {
      if (!EdgePushError.is(err, 'not-found')) throw err;
      descriptors = [];
    }
  }
  const candidates = descriptors.filter((d) => {
    if (d.artifactType !== undefined && d.artifactType !== DELTA_ARTIFACT_TYPE) return false;
    const base = d.annotations?.[Annotation.baseImageId];
    return !wantBase || base === undefined || wantBase(base);
  });
  const out: DeltaArtifact[] = [];
  for (const d of candidates) {
    const a = await readArtifact(client, repository, d, foundBy);
    if (a && (!wantBase || wantBase(a.baseImageId))) out.push(a);
  }
  return out;
}

/** The delta FROM → TO under its `delta-` tag, or undefined. */
export async function findDeltaByTag(
  client: RegistryClient,
  repository: string,
  fromImageId: string,
  toImageId: string,
): Promise<DeltaArtifact | undefined> {
  const head = await client.headManifest(repository, deltaTag(fromImageId, toImageId));
  if (!head) return undefined;
  const a = await readArtifact(client, repository, { mediaType: head.mediaType, digest: head.digest, size: head.size }, 'tag');
  return a && a.baseImageId === fromImageId && a.targetImageId === toImageId ? a : undefined;
}
