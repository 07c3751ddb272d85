// Images of this machine (its engine's, or archive files) as the registry side pushes and diffs them: read
// into memory when small (quicker), or, when large (the engine's rule, imagesHeldInFiles), exported to an
// archive file in a spool folder and indexed by offset, so that pushing and diffing read its layers as file
// ranges and never hold them. The spool folder is removed by dispose(), however the work ended.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { readImageArchive, type ImageArchive, type ImageSource } from '../engine/imageArchive.js';
import type { IndexedImageFile } from '../engine/imageLayers.js';
import { indexInflating } from '../engine/inflateArchive.js';
import { spoolArchive } from '../engine/spoolArchive.js';
import { notFound } from '../shared/errors.js';

/** An image in memory (small) or in an archive file, its layers read by offset (large). */
export type LocalImage = ImageArchive | IndexedImageFile;

export const inFile = (img: LocalImage): img is IndexedImageFile => 'path' in img;

/** The bytes of an image's layers (uncompressed). */
export const imageBytesOf = (img: LocalImage): number =>
  inFile(img) ? img.layers.reduce((n, l) => n + l.size, 0) : img.layers.reduce((n, l) => n + l.data.length, 0);

/** The engine's size of an image, and its id. */
export async function engineImage(docker: Docker, ref: string): Promise<{ id: string; bytes: number }> {
  try {
    const info = (await docker.getImage(ref).inspect()) as { Id: string; Size?: number };
    return { id: info.Id, bytes: info.Size ?? 0 };
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) throw notFound(`image ${ref} not found in the engine`);
    throw err;
  }
}

export class ImageSpool {
  private readonly opened: IndexedImageFile[] = [];
  private count = 0;

  private constructor(readonly dir: string) {}

  /** A spool folder of its own in `workDir` (default: the OS temp dir). */
  static async create(workDir = tmpdir()): Promise<ImageSpool> {
    return new ImageSpool(await mkdtemp(join(workDir, 'edgepush-registry-')));
  }

  /** An image of the engine: in memory, or (`large`) exported to a file here. A large one is exported by its
   *  id, as `docker save` does it without tags: a delta made from it names no tag (the device tags). */
  async engineImage(docker: Docker, ref: string, large: boolean): Promise<LocalImage> {
    if (!large) return readImageArchive({ docker, ref });
    const { id } = await engineImage(docker, ref);
    return this.read({ docker, ref: id }, true);
  }

  /** `src` read into memory, or (`large`) indexed where it is (an archive file) or spooled to a file here. */
  async read(src: ImageSource, large: boolean): Promise<LocalImage> {
    if (!large) return readImageArchive(src);
    const n = this.count++;
    const path = await spoolArchive(src, join(this.dir, `image-${n}.tar`));
    // gzip-compressed layers (a containerd image store's export): inflated here, then indexed
    const img = await indexInflating(path, () => Promise.resolve(join(this.dir, `image-${n}.inflated.tar`)), {
      spooled: path.startsWith(this.dir),
    });
    this.opened.push(img);
    return img;
  }

  /** Done with an image read here: its file closed and, if spooled here, removed (a base image of a release
   *  need not hold its disk until the whole rollout ends). */
  async drop(img: LocalImage): Promise<void> {
    if (!inFile(img) || !this.opened.includes(img)) return;
    this.opened.splice(this.opened.indexOf(img), 1);
    img.close();
    if (img.path.startsWith(this.dir)) await rm(img.path, { force: true });
  }

  async dispose(): Promise<void> {
    for (const img of this.opened.splice(0)) img.close();
    await rm(this.dir, { recursive: true, force: true, maxRetries: 3 });
  }
}
