// Reading an image out of a registry: resolve a reference to its manifest (choosing the platform from an
// index), fetch the config and the layers (gzip or plain), and check every digest on the way: the manifest
// against its digest, the config against the image id, each blob against its descriptor, each uncompressed
// layer against the config's diff id. What comes out is exactly the image the manifest names, or an error;
// layers stream through (imageSources), never held whole.
import { createHash } from 'node:crypto';
import { createGunzip } from 'node:zlib';
import { finished } from 'node:stream/promises';
import type { ArchiveLayerSource } from '../engine/imageArchiveWriter.js';
import { corrupt, invalidInput, messageOf, notFound } from '../shared/errors.js';
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

export interface ImageSourcesOptions {
  /** True when the loading engine already holds this chain of layers: the layer is left out of the archive. */
  held?(chainId: string): boolean;
  /** After each layer: its index (1-based), the count, and the client's bytes received so far. */
  onLayer?(index: number, total: number, bytes: number): void;
  signal?: AbortSignal;
}

export interface ImageSources {
  config: Buffer;
  /** In the image's order; a fetched layer's data is its blob, fetched when the archive writer reads it. */
  layers: ArchiveLayerSource[];
  layersFetched: number;
  layersHeld: number;
}

/** The engine's identity of each layer in its place: the first layer's diff id, then sha256("<parent chain> <diff id>"). */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) {
    const parent = out[out.length - 1];
    out.push(parent === undefined ? d : `sha256:${createHash('sha256').update(`${parent} ${d}`).digest('hex')}`);
  }
  return out;
}

/**
 * The image as the sources of a `docker load` archive (engine/imageArchiveWriter.ts), streamed: memory stays at a
 * few chunks whatever the image's size. A layer whose chain the engine holds is left out (a thin archive); each
 * other layer is its registry blob, fetched when the archive writer comes to it and passed on as it is (gzip or
 * plain: `docker load` inflates it), checked on the way against its digest, its size and, inflated, its diff id.
 * A failed check errors the archive before its manifest.json, so the engine loads nothing.
 */
export async function imageSources(client: RegistryClient, image: ResolvedImage, opts: ImageSourcesOptions = {}): Promise<ImageSources> {
  const config = await client.getBlob(image.repository, image.imageId, CONFIG_LIMIT, opts.signal);
  const parsedConfig = imageConfigSchema.safeParse(JSON.parse(config.toString('utf8')));
  if (!parsedConfig.success) throw corrupt(`config ${image.imageId} has no rootfs`);
  const diffIds = parsedConfig.data.rootfs.diff_ids;
  if (diffIds.length !== image.manifest.layers.length)
    throw corrupt(`manifest lists ${image.manifest.layers.length} layers, config ${diffIds.length}`);
  const chains = chainIds(diffIds);
  const layers: ArchiveLayerSource[] = [];
  let fetched = 0;
  diffIds.forEach((diffId, i) => {
    const desc = image.manifest.layers[i]!;
    if (!LAYER_TYPES.has(desc.mediaType))
      throw invalidInput(`layer ${i + 1} has media type ${desc.mediaType}, which EdgePush cannot unpack`);
    const done = () => opts.onLayer?.(i + 1, diffIds.length, client.bytesReceived);
    if (opts.held?.(chains[i]!)) {
      layers.push({ diffId, size: 0, data: new Uint8Array(0), omitted: true });
      return;
    }
    fetched++;
    layers.push({ diffId, size: desc.size, data: checkedBlob(client, image.repository, desc, diffId, done, opts.signal) });
  });
  return { config, layers, layersFetched: fetched, layersHeld: diffIds.length - fetched };
}

/** One layer blob as it arrives, checked against its digest, its declared size and (inflated) its diff id. */
async function* checkedBlob(
  client: RegistryClient,
  repository: string,
  desc: { digest: string; mediaType: string; size: number },
  diffId: string,
  done: () => void,
  signal?: AbortSignal,
): AsyncGenerator<Uint8Array> {
  const name = `layer ${desc.digest.slice(0, 19)}`;
  const { body } = await client.blobStream(repository, desc.digest, 0, signal);
  const blobHash = createHash('sha256');
  const diffHash = createHash('sha256');
  const inflate = desc.mediaType.endsWith('gzip') ? createGunzip() : undefined;
  inflate?.on('data', (c: Buffer) => diffHash.update(c));
  const inflated = inflate ? finished(inflate) : Promise.resolve();
  inflated.catch(() => undefined); // awaited below
  let bytes = 0;
  for await (const c of body) {
    bytes += c.length;
    if (bytes > desc.size) throw corrupt(`${name} is larger than the ${desc.size} bytes its descriptor declares`);
    blobHash.update(c);
    if (!inflate) diffHash.update(c);
    else if (!inflate.write(c)) await new Promise<void>((r) => inflate.once('drain', () => r()));
    yield c;
  }
  inflate?.end();
  try {
    await inflated;
  } catch (err) {
    throw corrupt(`${name}: ${messageOf(err)}`);
  }
  if (bytes !== desc.size) throw corrupt(`${name} ended after ${bytes} of ${desc.size} bytes`);
  if (`sha256:${blobHash.digest('hex')}` !== desc.digest) throw corrupt(`layer blob ${desc.digest} does not match its digest`);
  if (`sha256:${diffHash.digest('hex')}` !== diffId) throw corrupt(`${name} does not match diff id ${diffId}`);
  done();
}
