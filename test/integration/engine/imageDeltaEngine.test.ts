// Image deltas against a real Docker engine: export basis and target through dockerode, remove the target,
// rebuild it from the delta and load it; a damaged delta leaves no image behind; a thin archive (without the
// layers the engine has) loads too.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { createImageDelta } from '../../../simulator/engine/imageDelta.js';
import { applyImageDelta, readImageDeltaHeader } from '../../../simulator/engine/imageDeltaApply.js';
import { writeImageArchive } from '../../../simulator/engine/imageArchiveWriter.js';
import type { ImageArchive } from '../../../simulator/engine/imageArchive.js';
import { EdgePushError } from '../../../simulator/shared/errors.js';
import { makeImage, makeTar, randomBytes, textBytes } from '../../unit/engine/fixtures.js';

const docker = new Docker();
const REPO = 'edgepush-test-engine/app';

async function load(img: ImageArchive): Promise<void> {
  const res = await docker.loadImage(
    writeImageArchive({ ...img, layers: img.layers.map((l) => ({ ...l, size: l.data.length })) }) as unknown as NodeJS.ReadableStream,
  );
  await new Promise((resolve, reject) => docker.modem.followProgress(res, (err: Error | null) => (err ? reject(err) : resolve(undefined))));
}

async function removeTestImages(): Promise<void> {
  for (const img of await docker.listImages({ filters: { reference: [`${REPO}`] } })) {
    await docker
      .getImage(img.Id)
      .remove({ force: true })
      .catch(() => undefined);
  }
}

const exists = (ref: string) =>
  docker
    .getImage(ref)
    .inspect()
    .then(
      () => true,
      () => false,
    );

after(removeTestImages);

test('rebuild an image from a delta and load it into the engine', async () => {
  await removeTestImages();
  const base = await makeTar([{ name: 'bin/tool', data: randomBytes(200_000, 1) }]);
  const v1 = await makeTar([{ name: 'app/main.js', data: textBytes(40_000, 2) }]);
  const v2 = await makeTar([{ name: 'app/main.js', data: Buffer.concat([textBytes(40_000, 2), Buffer.from('\n// v2\n')]) }]);
  const basis = makeImage([base, v1], `${REPO}:1`);
  const target = makeImage([base, v2], `${REPO}:2`);
  await load(basis);
  await load(target);

  const d = await createImageDelta({ basis: { docker, ref: `${REPO}:1` }, target: { docker, ref: `${REPO}:2` } });
  assert.equal(d.report.targetImageId, target.imageId);
  assert.deepEqual(
    d.report.layers.map((l) => l.status),
    ['shared', 'changed'],
  );
  await docker.getImage(`${REPO}:2`).remove({ force: true });
  assert.equal(await exists(`${REPO}:2`), false);

  // A truncated transfer: refused, and the image does not appear.
  const cut = Buffer.concat(d.chunks).subarray(0, d.bytes - 20);
  await assert.rejects(applyImageDelta({ delta: Readable.from([cut]), docker }), (e: unknown) => EdgePushError.is(e, 'corrupt'));
  assert.equal(await exists(target.imageId), false);

  // The whole delta: the basis comes from the engine by the id in the header.
  const res = await applyImageDelta({ delta: d.stream(), docker });
  assert.equal(res.loaded, true);
  const inspected = await docker.getImage(`${REPO}:2`).inspect();
  assert.equal(inspected.Id, target.imageId);
  assert.deepEqual(
    inspected.RootFS.Layers,
    target.layers.map((l) => l.diffId),
  );

  // A device without the basis refuses the delta as a conflict, naming the image it needs.
  await docker.getImage(`${REPO}:1`).remove({ force: true });
  await assert.rejects(
    applyImageDelta({ delta: d.stream(), docker }),
    (e: unknown) => EdgePushError.is(e, 'conflict') && (e as Error).message.includes(basis.imageId),
  );
});

test('a thin archive (for the engine that holds the basis) writes only what the engine lacks, and loads', async () => {
  await removeTestImages();
  const base = await makeTar([{ name: 'bin/tool', data: randomBytes(400_000, 11) }]);
  const v1 = await makeTar([{ name: 'app/main.js', data: textBytes(40_000, 12) }]);
  const v2 = await makeTar([{ name: 'app/main.js', data: Buffer.concat([textBytes(40_000, 12), Buffer.from('\n// v2\n')]) }]);
  const basis = makeImage([base, v1], `${REPO}:thin1`);
  // v1 again on top of the rebuilt layer: a layer the basis has, in a chain the engine does not
  const target = makeImage([base, v2, v1], `${REPO}:thin2`);
  await load(basis);
  const d = await createImageDelta({ basis, target });
  const dir = await mkdtemp(join(tmpdir(), 'ep-thin-'));
  try {
    const full = await applyImageDelta({ delta: d.stream(), basis, outputPath: join(dir, 'full.tar') });
    const thin = await applyImageDelta({ delta: d.stream(), basis, outputPath: join(dir, 'thin.tar'), thin: true, docker });
    const header = await readImageDeltaHeader(d.stream());
    assert.equal(full.archiveBytes, header.target.archiveSize);
    // the shared bottom layer (base, 400 KB) is left out; v1 above v2 is not the basis's chain and stays
    assert.ok(thin.archiveBytes < full.archiveBytes - 390_000, `thin ${thin.archiveBytes} vs full ${full.archiveBytes}`);
    assert.equal((await stat(join(dir, 'thin.tar'))).size, thin.archiveBytes);
    const inspected = await docker.getImage(target.imageId).inspect();
    assert.deepEqual(
      inspected.RootFS.Layers,
      target.layers.map((l) => l.diffId),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
