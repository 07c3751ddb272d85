// The basis an apply reads: held in memory (readImageArchive) when it is small, read on demand (imageLayers.ts)
// when it is over half the memory budget or a budget is given. On demand, an archive file is indexed by offset
// and an engine image read through its export; what cannot be read so is first made an archive file in a temp
// folder of the apply's own: a `{ stream }` is spooled to it (held only while it stays under the limit), and an
// archive whose layers are gzip-compressed (a containerd image store's `docker save`, whether a file, a stream
// or an engine's export) is rewritten there with them inflated, file to file (inflateArchive.ts). The folder
// goes when the caller disposes of the basis, however the apply ended; those of processes that are gone (a
// crash, a kill -9) are removed by the next apply in the same parent folder.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { engineImageLayers, type ImageLayers } from './imageLayers.js';
import { archiveStreamOf, type ImageArchive, type ImageSource } from './imageArchive.js';
import { loadImage } from './imageDelta.js';
import { indexInflating } from './inflateArchive.js';
import { holdOrSpool, spoolArchive } from './spoolArchive.js';
import { DEFAULT_MEMORY_BUDGET } from './windowedDelta.js';
import { processAlive } from '../shared/processAlive.js';

/** A temp folder of this apply's (`edgepush-apply-<pid>-…`) in `parent`; those of processes that are gone are
 *  removed first. */
export async function applyWorkDir(parent: string): Promise<string> {
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    const m = /^edgepush-apply-(\d+)-/.exec(name);
    if (m && !processAlive(Number(m[1]))) await rm(join(parent, name), { recursive: true, force: true });
  }
  return mkdtemp(join(parent, `edgepush-apply-${process.pid}-`));
}

export interface ApplyBasis {
  basis: ImageArchive | ImageLayers;
  /** Closes the basis and removes the temp folder, if one was made. */
  dispose(): Promise<void>;
}

/** The basis for `src`; a failure leaves no temp folder behind. */
export async function openApplyBasis(
  src: ImageSource | ImageArchive,
  memoryBudget: number | undefined,
  workParent: string,
): Promise<ApplyBasis> {
  let work: Promise<string> | undefined;
  const file = async (name: string) => join(await (work ??= applyWorkDir(workParent)), name);
  const removeWork = async () => {
    if (work) await rm(await work, { recursive: true, force: true });
  };
  const limit = memoryBudget ?? DEFAULT_MEMORY_BUDGET;
  const held = (size: number | undefined) => memoryBudget === undefined && !((size ?? 0) > limit / 2);
  const indexed = (path: string, spooled: boolean) => indexInflating(path, () => file('inflated-basis.tar'), { spooled });

  async function choose(): Promise<ImageArchive | ImageLayers> {
    if ('layers' in src) return src; // held already
    if ('archivePath' in src) {
      const size = (await stat(src.archivePath).catch(() => undefined))?.size;
      return size === undefined || held(size) ? loadImage(src) : indexed(src.archivePath, false);
    }
    if ('stream' in src) {
      // its size is known once read: held up to the limit (none with a budget), spooled beyond
      const s = await holdOrSpool(src.stream, memoryBudget === undefined ? limit / 2 : -1, () => file('basis.tar'));
      return 'stream' in s ? loadImage(s) : indexed(s.archivePath, true);
    }
    let size: number | undefined;
    try {
      size = (await src.docker.getImage(src.ref).inspect()).Size;
    } catch {
      return loadImage(src); // readImageArchive reports it
    }
    if (held(size)) return loadImage(src);
    // an export with gzip-compressed layers cannot be read from the middle: spooled, then inflated
    return (
      (await engineImageLayers(src.docker, src.ref)) ??
      indexed(await spoolArchive({ stream: await archiveStreamOf(src) }, await file('basis.tar')), true)
    );
  }

  try {
    const basis = await choose();
    return {
      basis,
      dispose: async () => {
        if ('close' in basis) basis.close();
        await removeWork();
      },
    };
  } catch (err) {
    await removeWork();
    throw err;
  }
}
