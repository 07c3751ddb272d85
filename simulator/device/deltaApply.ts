// Applying a received image delta on the device, in the order that keeps a hostile or oversized delta cheap:
// the header's declarations are checked against themselves, the basis on the engine, free memory and free
// disk before any work; the rebuild runs on a worker thread (the agent keeps answering) under a deadline that
// ends it wherever it is, a large basis read from the engine on demand (memory bounded by the budget); the
// image is loaded untagged and then tagged `local_*` in the device's own namespace, never under the names the
// delta's header carries, so no image that is not the device's changes.
import { join } from 'node:path';
import { createReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { ContentStore } from '../engine/contentStore.js';
import { readImageDeltaHead } from '../engine/imageDeltaApply.js';
import type { ImageDeltaHeader } from '../engine/imageDeltaFormat.js';
import { applyImageDeltaOffThread, basisReadOnDemand } from '../engine/imageDeltaApplyOffThread.js';
import { applyNeeds, checkHeaderConsistency } from '../engine/imageDeltaChecks.js';
import { checkFreeResources } from '../engine/freeResources.js';
import type { DeltaReceiveDeps } from './deltaReceive.js';
import { isEngineDown } from './currentState.js';
import { conflict, corrupt, messageOf, unavailable } from '../shared/errors.js';
import { splitTag, withTag } from '../shared/imageRef.js';

export interface AppliedDelta {
  imageId: string;
  repoTags: string[];
}

export const defaultApplyBudgetMs = (archiveBytes: number) => 60_000 + archiveBytes / 1000; // 1 s per MB beyond a minute

/** The basis image's size on the engine; a missing basis is a conflict (409): push the full image instead. */
async function basisSize(docker: Docker, imageId: string): Promise<number> {
  try {
    return ((await docker.getImage(imageId).inspect()) as { Size?: number }).Size ?? 0;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404)
      throw conflict(`the delta needs basis image ${imageId}, which is not on this device`);
    throw err;
  }
}

/** What applying a delta on the device needs: its engine, its data dir (free disk), and its budgets. */
export interface DeltaApplyDeps {
  docker: Docker;
  dataDir: string;
  /** How long applying may take, by the size of the archive it rebuilds (default 60 s + 1 s per MB). */
  applyBudgetMs?: (archiveBytes: number) => number;
  /** Memory an apply stays within (default 256 MiB): a basis over half of it is read on demand. */
  applyMemoryBudget?: number;
}

/** Checks the delta at `deltaPath`, rebuilds its image on a worker thread into `work` and loads it (untagged);
 *  returns the loaded image's id, which is the header's target or an error. `expect` sees the header before any
 *  work (a caller's own checks: the image a registry manifest names). The local-mode receive and registry pulls
 *  both apply through here, so a delta costs the agent the same, however it arrived. */
export async function applyDeltaFile(
  deps: DeltaApplyDeps,
  deltaPath: string,
  work: string,
  expect: (header: ImageDeltaHeader) => void = () => undefined,
): Promise<string> {
  const { header, headerBytes } = await readImageDeltaHead(deltaPath);
  const payloadBytes = (await stat(deltaPath)).size - headerBytes;
  checkHeaderConsistency(header, { payloadBytes });
  expect(header);
  const basisBytes = header.basis ? await basisSize(deps.docker, header.basis.imageId) : 0;
  // A basis up to half the memory budget is held while applying, and the old input is at most as large
  // again; a larger one is read on demand (bounded memory), where only a whole-input layer delta holds its
  // old input, checked when it is read.
  const onDemand = basisReadOnDemand(basisBytes, deps.applyMemoryBudget);
  const needs = onDemand ? applyNeeds(header, 0, undefined, true) : applyNeeds(header, 2 * basisBytes);
  await checkFreeResources({ memoryBytes: needs.memoryBytes, diskBytes: needs.archiveBytes + needs.imageBytes }, deps.dataDir);
  await mkdir(work, { recursive: true });
  try {
    const archive = join(work, 'image.tar');
    const basisId = header.basis?.imageId;
    const r = await applyImageDeltaOffThread({
      deltaPath,
      outputPath: archive,
      repoTags: [],
      // the engine holds the basis: its layers are listed in the archive, not written again (only the new
      // layers reach the disk on our side; docker load copies what it gets once more, into its temp folder)
      thin: true,
      basis: basisId ? async () => (await deps.docker.getImage(basisId).get()) as NodeJS.ReadableStream : undefined,
      basisBytes,
      memoryBudget: deps.applyMemoryBudget,
      deadlineMs: (deps.applyBudgetMs ?? defaultApplyBudgetMs)(header.target.archiveSize),
    });
    await loadArchive(deps.docker, archive);
    const info = (await deps.docker.getImage(r.imageId).inspect()) as { Id: string };
    if (info.Id !== header.target.imageId) throw corrupt(`loaded image ${info.Id} is not the delta target ${header.target.imageId}`);
    return info.Id;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export async function applyReceivedDelta(
  deps: DeltaReceiveDeps,
  s: ContentStore,
  id: string,
  digest: string,
  tag: string | null,
): Promise<AppliedDelta> {
  deps.hub.system(`Applying delta '${id}'${tag ? ` for '${tag}'` : ''}`);
  try {
    const imageId = await applyDeltaFile(deps, s.blobPath(digest), join(deps.dataDir, 'work', id));
    const repoTags: string[] = [];
    if (tag) {
      const scoped = deps.scope.scopedImage(withTag(tag));
      const [repo, tagName] = splitTag(scoped);
      await deps.docker.getImage(imageId).tag({ repo, tag: tagName });
      repoTags.push(deps.scope.unscopedImage(scoped) ?? scoped);
    }
    deps.hub.system(`Applied delta '${id}': image ${imageId.slice(0, 19)}`);
    deps.onImage();
    return { imageId, repoTags };
  } catch (err) {
    deps.hub.system(`Delta '${id}' failed: ${messageOf(err)}`);
    throw err;
  } finally {
    await s.delete(digest);
  }
}

/** Loads the verified archive. An engine that answers but refuses it finds fault with the content (422); one
 *  that does not answer is unavailable (503). */
async function loadArchive(docker: Docker, path: string): Promise<void> {
  let stream: Readable;
  try {
    stream = (await docker.loadImage(createReadStream(path), { quiet: true })) as unknown as Readable;
  } catch (err) {
    if (isEngineDown(err)) throw unavailable(`engine not reachable: ${messageOf(err)}`, err);
    throw corrupt(`the engine refused the rebuilt image: ${messageOf(err)}`);
  }
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => {
      if (err)
        return reject(
          isEngineDown(err)
            ? unavailable(`engine not reachable: ${err.message}`, err)
            : corrupt(`the engine refused the rebuilt image: ${err.message}`),
        );
      const failed = out.find((o) => o.error)?.error;
      if (failed) reject(corrupt(`the engine refused the rebuilt image: ${failed}`));
      else resolve();
    });
  });
}
