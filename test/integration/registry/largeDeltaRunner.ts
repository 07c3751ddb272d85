// Child process for largeImageDelta.test.ts: the registry side of a delta between two large image archives,
// in a process of its own so that its peak RSS (VmHWM) is what it alone took. Prints one JSON line: the peak and
// the RSS right after start (its growth is what the work cost), and what the mode produced.
//   publish URL REPO BASIS TARGET BUDGET   both images pushed from their files (tags v1, v2), the delta made
//                                          within BUDGET and uploaded from its file (publishDelta)
//   fetch URL REPO BASIS OUT BUDGET        v2's delta found by the tag fallback, its blob received into a
//                                          content store (as a device does), applied against BASIS within
//                                          BUDGET into the archive OUT
//   held URL REPO BASIS TARGET             the anchor: what publishing did before large images were handled from
//                                          files (both read into memory, pushed from there, the delta made in
//                                          memory and sent as one Buffer)
// Run as a bundle beside dist's bundled delta worker (largeImageDelta.test.ts builds it), as the CLI runs.
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient } from '../../../simulator/registry/registryClient.js';
import { parseImageRef, parseRegistryAddress } from '../../../simulator/registry/reference.js';
import { ImageSpool } from '../../../simulator/registry/localImage.js';
import { pushImage, pushImageArchive } from '../../../simulator/registry/imagePush.js';
import { pushDeltaArtifact } from '../../../simulator/registry/deltaArtifact.js';
import { readImageArchive } from '../../../simulator/engine/imageArchive.js';
import { createImageDeltaOffThread } from '../../../simulator/engine/imageDeltaOffThread.js';
import { endsOf, publishDelta } from '../../../simulator/registry/publishDelta.js';
import { resolveImage } from '../../../simulator/registry/imageFetch.js';
import { findDeltas } from '../../../simulator/registry/deltaArtifact.js';
import { ContentStore } from '../../../simulator/engine/contentStore.js';
import { indexImageArchiveFile } from '../../../simulator/engine/imageLayers.js';
import { applyImageDelta } from '../../../simulator/engine/imageDeltaApply.js';

const rssMB = () => process.memoryUsage().rss / 2 ** 20;
const peakMB = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;
let overallMB = 0;
/** The peak since the last call (5 to clear_refs resets VmHWM to the current RSS). */
function phasePeakMB(): number {
  const p = peakMB();
  overallMB = Math.max(overallMB, p);
  writeFileSync('/proc/self/clear_refs', '5');
  return p;
}

async function publish(client: RegistryClient, repo: string, basis: string, target: string, memoryBudget: number): Promise<object> {
  const spool = await ImageSpool.create();
  try {
    const from = await spool.read({ archivePath: basis }, true);
    const to = await spool.read({ archivePath: target }, true);
    phasePeakMB();
    const fromPushed = await pushImage(client, repo, 'v1', from, { workDir: spool.dir });
    const toPushed = await pushImage(client, repo, 'v2', to, { workDir: spool.dir });
    const pushPeakMB = phasePeakMB();
    const d = await publishDelta(
      client,
      repo,
      { image: from, ends: endsOf(fromPushed) },
      { image: to, pushed: toPushed },
      { memoryBudget },
    );
    return { fromPushed, toPushed, delta: d, pushPeakMB, deltaPeakMB: phasePeakMB() };
  } finally {
    await spool.dispose();
  }
}

async function held(client: RegistryClient, repo: string, basis: string, target: string): Promise<object> {
  const from = await readImageArchive({ archivePath: basis });
  const to = await readImageArchive({ archivePath: target });
  const fromPushed = await pushImageArchive(client, repo, 'v1', from);
  const toPushed = await pushImageArchive(client, repo, 'v2', to);
  const delta = await createImageDeltaOffThread({ basis: { ...from, repoTags: [] }, target: { ...to, repoTags: [] }, estimates: false });
  const d = await pushDeltaArtifact(client, repo, endsOf(fromPushed), endsOf(toPushed), Buffer.concat(delta.chunks));
  return { delta: d };
}

async function fetch(client: RegistryClient, repo: string, basis: string, out: string, memoryBudget: number): Promise<object> {
  const image = await resolveImage(client, parseImageRef(`${client.address.host}/${repo}:v2`));
  const basisImage = await indexImageArchiveFile(basis);
  const basisId = basisImage!.imageId;
  basisImage!.close();
  const [d] = await findDeltas(client, repo, image.head.digest, (id) => id === basisId);
  if (!d) throw new Error('no delta from the basis found');
  const dir = await mkdtemp(join(tmpdir(), 'ep-large-fetch-'));
  try {
    const store = await ContentStore.open(dir);
    const w = await store.writer('delta');
    try {
      const { body } = await client.blobStream(repo, d.blob.digest);
      for await (const c of body) await w.write(c);
      await w.commit(d.blob.size, d.blob.digest);
    } finally {
      await w.close();
    }
    const r = await applyImageDelta({ delta: store.blobPath(d.blob.digest), basis: { archivePath: basis }, outputPath: out, memoryBudget });
    return { imageId: r.imageId, expected: image.imageId, deltaBytes: d.blob.size, foundBy: d.foundBy };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const baselineMB = rssMB();
  const [mode, url, repo, basis, fourth, budget] = process.argv.slice(2) as [string, string, string, string, string, string];
  const client = new RegistryClient(parseRegistryAddress(url));
  const result =
    mode === 'publish'
      ? await publish(client, repo, basis, fourth, Number(budget))
      : mode === 'held'
        ? await held(client, repo, basis, fourth)
        : await fetch(client, repo, basis, fourth, Number(budget));
  process.stdout.write(`${JSON.stringify({ baselineMB, peakMB: Math.max(overallMB, peakMB()), ...result })}\n`);
}

void main();
