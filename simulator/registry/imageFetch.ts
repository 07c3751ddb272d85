// Reading an image out of a registry: resolve a reference to its manifest (choosing the platform from an
// index), fetch the config and the layers (gzip or plain), and check every digest on the way: the manifest
// against its digest, the config against the image id, each blob against its descriptor, each uncompressed
// layer against the config's diff id. What comes out is exactly the image the manifest names, or an error.
import { createHash } from 'node:crypto';
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import type { ImageArchive, ImageLayer } from '../engine/imageArchive.js';
import { corrupt, invalidInput, notFound } from '../shared/errors.js';
import { MediaType, imageConfigSchema, imageIndexSchema, imageManifestSchema, isIndexType, type ImageManifest } from './ociSchemas.js';
import type { ManifestHead, RegistryClient } from './registryClient.js';
import { manifestReference, type ImageRef } from './reference.js';

export interface ResolvedImage {
  repository: string;
  /** The image manifest (after choosing a platform from an index). */
  manifest: ImageManifest;
  head: ManifestHead;
  /** Config digest = image id. */
  imageId: string;
}

export interface Platform {
  os: string;
  architecture: string;
}

const LAYER_TYPES = new Set<string>([
  MediaType.ociLayerGzip,
  MediaType.dockerLayerGzip,
  MediaType.ociLayer,
  'application/vnd.docker.image.rootfs.diff.tar',
]);
const CONFIG_LIMIT = 8 << 20;

export async function resolveImage(
  client: RegistryClient,
  ref: ImageRef,
  platform: Platform = { os: 'linux', architecture: 'amd64' },
  signal?: AbortSignal,
): Promise<ResolvedImage> {
  let m = await client.getManifest(ref.repository, manifestReference(ref), signal);
  if (isIndexType(m.mediaType)) {
    const index = imageIndexSchema.safeParse(JSON.parse(m.bytes.toString('utf8')));
    if (!index.success) throw corrupt(`${ref.repository}: index is malformed`);
    const pick = index.data.manifests.find((d) => d.platform?.os === platform.os && d.platform.architecture === platform.architecture);
    if (!pick) throw notFound(`${ref.repository}:${manifestReference(ref)} has no image for ${platform.os}/${platform.architecture}`);
    m = await client.getManifest(ref.repository, pick.digest, signal);
  }
  const parsed = imageManifestSchema.safeParse(JSON.parse(m.bytes.toString('utf8')));
  if (!parsed.success) throw corrupt(`${ref.repository}@${m.digest} is not an image manifest`);
  if (parsed.data.artifactType || parsed.data.config.mediaType === MediaType.ociEmpty)
    throw invalidInput(`${ref.repository}@${m.digest} is an artifact, not an image`);
  return {
    repository: ref.repository,
    manifest: parsed.data,
    head: { digest: m.digest, mediaType: m.mediaType, size: m.size },
    imageId: parsed.data.config.digest,
  };
}

export interface FetchImageOptions {
  /** A layer this side already has (by diff id), so it is not fetched. */
  localLayer?(diffId: string): Promise<Buffer | undefined>;
  onLayer?(index: number, total: number, bytes: number): void;
  signal?: AbortSignal;
}

export interface FetchedImage {
  archive: ImageArchive;
  layersFetched: number;
  layersLocal: number;
}

/** Fetches one layer blob, checks its digest, decompresses it and checks its diff id. */
async function fetchLayer(
  client: RegistryClient,
  repository: string,
  desc: { digest: string; mediaType: string },
  diffId: string,
  signal?: AbortSignal,
): Promise<Buffer> {
  const { body } = await client.blobStream(repository, desc.digest, 0, signal);
  const blobHash = createHash('sha256');
  const hashed = async function* (): AsyncGenerator<Uint8Array> {
    for await (const c of body) {
      blobHash.update(c);
      yield c;
    }
  };
  const gz = desc.mediaType.endsWith('gzip');
  const source = Readable.from(hashed());
  const out = gz ? source.pipe(createGunzip()) : source;
  const chunks: Buffer[] = [];
  const diffHash = createHash('sha256');
  try {
    for await (const c of out) {
      diffHash.update(c as Buffer);
      chunks.push(c as Buffer);
    }
  } catch (err) {
    throw corrupt(`layer ${desc.digest.slice(0, 19)}: ${(err as Error).message}`);
  }
  if (`sha256:${blobHash.digest('hex')}` !== desc.digest) throw corrupt(`layer blob ${desc.digest} does not match its digest`);
  if (`sha256:${diffHash.digest('hex')}` !== diffId) throw corrupt(`layer ${desc.digest.slice(0, 19)} does not match diff id ${diffId}`);
  return Buffer.concat(chunks);
}

export async function fetchImage(client: RegistryClient, image: ResolvedImage, opts: FetchImageOptions = {}): Promise<FetchedImage> {
  const config = await client.getBlob(image.repository, image.imageId, CONFIG_LIMIT, opts.signal);
  const parsedConfig = imageConfigSchema.safeParse(JSON.parse(config.toString('utf8')));
  if (!parsedConfig.success) throw corrupt(`config ${image.imageId} has no rootfs`);
  const diffIds = parsedConfig.data.rootfs.diff_ids;
  if (diffIds.length !== image.manifest.layers.length)
    throw corrupt(`manifest lists ${image.manifest.layers.length} layers, config ${diffIds.length}`);
  const layers: ImageLayer[] = [];
  let fetched = 0;
  let local = 0;
  for (let i = 0; i < diffIds.length; i++) {
    const desc = image.manifest.layers[i]!;
    const diffId = diffIds[i]!;
    if (!LAYER_TYPES.has(desc.mediaType))
      throw invalidInput(`layer ${i + 1} has media type ${desc.mediaType}, which EdgePush cannot unpack`);
    const have = await opts.localLayer?.(diffId);
    if (have) {
      layers.push({ diffId, data: have });
      local++;
    } else {
      layers.push({ diffId, data: await fetchLayer(client, image.repository, desc, diffId, opts.signal) });
      fetched++;
    }
    opts.onLayer?.(i + 1, diffIds.length, client.bytesReceived);
  }
  return { archive: { imageId: image.imageId, config, repoTags: [], layers }, layersFetched: fetched, layersLocal: local };
}
