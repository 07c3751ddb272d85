// Writes an image archive in `docker save` format that `docker load` (legacy loader: manifest.json) accepts:
// blobs/sha256/<hex> for the config and each layer, manifest.json last, so that a loader reading the stream
// sees a complete image or nothing. A thin archive leaves out layers the loading engine already has (listed in
// the manifest all the same): `docker load` then takes them from its store (checked on Docker 20.10). Deterministic (fixed mode, owner, mtime), so its size is known upfront.
import type { Readable } from 'node:stream';
import { pack } from 'tar-stream';

export interface ArchiveLayerSource {
  diffId: string;
  size: number;
  data: Uint8Array | AsyncIterable<Uint8Array>;
  /** Listed in the manifest, not written (a thin archive for the engine that holds it): an iterable `data` is
   *  still read through, for the checks riding on it. */
  omitted?: boolean;
}

export interface ArchiveImage {
  imageId: string;
  config: Uint8Array;
  repoTags: string[];
  layers: ArchiveLayerSource[];
}

const blobName = (digest: string) => `blobs/sha256/${digest.replace(/^sha256:/, '')}`;
const padded = (n: number) => 512 + Math.ceil(n / 512) * 512;

function manifestOf(img: Pick<ArchiveImage, 'imageId' | 'repoTags'> & { diffIds: string[] }): Buffer {
  return Buffer.from(
    JSON.stringify([
      { Config: blobName(img.imageId), RepoTags: img.repoTags.length ? img.repoTags : null, Layers: img.diffIds.map(blobName) },
    ]),
  );
}

/** Size in bytes of the archive writeImageArchive produces for this image. */
export function imageArchiveSize(img: {
  imageId: string;
  configSize: number;
  repoTags: string[];
  layers: { diffId: string; size: number; omitted?: boolean }[];
}): number {
  const seen = new Set<string>();
  let total = padded(img.configSize);
  for (const l of img.layers) {
    if (seen.has(l.diffId) || l.omitted) continue;
    seen.add(l.diffId);
    total += padded(l.size);
  }
  total += padded(manifestOf({ ...img, diffIds: img.layers.map((l) => l.diffId) }).length);
  return total + 1024;
}

/** One regular file into a tar pack, its data whole or streamed (with the pack's back-pressure). */
export async function writeEntry(
  p: ReturnType<typeof pack>,
  name: string,
  size: number,
  data: Uint8Array | AsyncIterable<Uint8Array>,
): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const header = { name, size, mode: 0o644, mtime: new Date(0), uid: 0, gid: 0, type: 'file' as const };
    if (data instanceof Uint8Array) {
      p.entry(header, Buffer.from(data.buffer, data.byteOffset, data.byteLength), (err) => (err ? reject(err) : resolve()));
      return;
    }
    const w = p.entry(header, (err) => (err ? reject(err) : resolve()));
    w.on('error', () => undefined); // reported through the entry callback and the pack stream
    (async () => {
      for await (const chunk of data) {
        if (!w.write(chunk)) await new Promise<void>((r) => w.once('drain', () => r()));
      }
      w.end(() => undefined);
    })().catch((err: unknown) => {
      w.destroy(err as Error);
      reject(err);
    });
  });
}

/** The archive as a stream. An error in a layer source (a failed digest check) errors the stream before
 *  manifest.json is written. */
export function writeImageArchive(img: ArchiveImage): Readable {
  const p = pack();
  (async () => {
    await writeEntry(p, blobName(img.imageId), img.config.length, img.config);
    const seen = new Set<string>();
    for (const l of img.layers) {
      if (seen.has(l.diffId)) continue;
      seen.add(l.diffId);
      if (!l.omitted) await writeEntry(p, blobName(l.diffId), l.size, l.data);
      else if (!(l.data instanceof Uint8Array)) for await (const chunk of l.data) void chunk;
    }
    const manifest = manifestOf({ ...img, diffIds: img.layers.map((l) => l.diffId) });
    await writeEntry(p, 'manifest.json', manifest.length, manifest);
    p.finalize();
  })().catch((err: unknown) => p.destroy(err as Error));
  return p as unknown as Readable;
}
