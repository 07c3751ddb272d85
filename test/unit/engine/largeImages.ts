// Two large image archives written straight to disk (never held in memory), for the bounded-memory image
// delta test and bench:memory: a shared base layer and an app layer that changed (largePair.ts's tars), each
// archive written by writeImageArchive from file streams, so a rebuilt archive must equal the target's byte
// for byte.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack } from 'tar-stream';
import { writeImageArchive } from '../../../simulator/engine/imageArchiveWriter.js';
import { indexImageArchiveFile } from '../../../simulator/engine/imageLayers.js';
import { writeLargePair } from './largePair.js';

async function fileSha(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(c as Buffer);
  return `sha256:${h.digest('hex')}`;
}

async function writeArchive(path: string, tag: string, layerPaths: string[]): Promise<string> {
  const diffIds = await Promise.all(layerPaths.map(fileSha));
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['/bin/sh'] }, rootfs: { type: 'layers', diff_ids: diffIds } }),
  );
  const imageId = `sha256:${createHash('sha256').update(config).digest('hex')}`;
  const layers = layerPaths.map((p, i) => ({
    diffId: diffIds[i]!,
    size: statSync(p).size,
    data: createReadStream(p, { highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array>,
  }));
  await pipeline(writeImageArchive({ imageId, config, repoTags: [tag], layers }), createWriteStream(path));
  return imageId;
}

/** Writes basis.tar and target.tar in `dir`: a shared base of `baseBytes`, an app layer of about `appBytes`
 *  changed as in largePair.ts. Returns their paths and the target's image id. */
export async function writeLargeImagePair(
  dir: string,
  baseBytes: number,
  appBytes: number,
): Promise<{ basis: string; target: string; targetId: string; newLayerBytes: number }> {
  const [base, spare, app1, app2] = ['base.tar', 'spare.tar', 'app1.tar', 'app2.tar'].map((n) => join(dir, n)) as [
    string,
    string,
    string,
    string,
  ];
  writeLargePair(base, spare, baseBytes, 4 << 20);
  rmSync(spare);
  const { newBytes } = writeLargePair(app1, app2, appBytes, 2 << 20);
  const basis = join(dir, 'basis.tar');
  const target = join(dir, 'target.tar');
  await writeArchive(basis, 'large/app:1', [base, app1]);
  const targetId = await writeArchive(target, 'large/app:2', [base, app2]);
  for (const p of [base, app1, app2]) rmSync(p);
  return { basis, target, targetId, newLayerBytes: newBytes };
}

/** Writes `dest`: the image of archive `src` as a containerd image store's `docker save` has it, each layer
 *  gzip-compressed (-1: the generated layers hardly compress) and named by its compressed digest. Streamed. */
export async function writeGzipLayerArchive(src: string, dest: string): Promise<void> {
  const img = await indexImageArchiveFile(src);
  if (!img) throw new Error(`${src} is not an uncompressed image archive`);
  const p = pack();
  const done = pipeline(p, createWriteStream(dest));
  const names: string[] = [];
  try {
    for (const l of img.layers) {
      const gz = `${dest}.layer.gz`;
      await pipeline(img.spans([l.diffId]).stream(), createGzip({ level: 1 }), createWriteStream(gz));
      const name = `blobs/sha256/${(await fileSha(gz)).slice('sha256:'.length)}`;
      names.push(name);
      await new Promise<void>((resolve, reject) => {
        const w = p.entry({ name, size: statSync(gz).size }, (e) => (e ? reject(e) : resolve()));
        pipeline(createReadStream(gz), w).catch(reject);
      });
      rmSync(gz);
    }
    const config = `blobs/sha256/${img.imageId.slice('sha256:'.length)}`;
    const manifest = Buffer.from(JSON.stringify([{ Config: config, RepoTags: img.repoTags, Layers: names }]));
    for (const [name, data] of [
      [config, img.config],
      ['manifest.json', manifest],
    ] as const)
      await new Promise<void>((resolve, reject) => p.entry({ name, size: data.length }, data, (e) => (e ? reject(e) : resolve())));
    p.finalize();
  } finally {
    img.close();
  }
  await done;
}
