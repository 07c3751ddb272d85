// Image deltas with a real Docker engine as both ends, memory bounded: the delta is made from the engine's
// exports (spooled to files, createImageDeltaFile) with a budget small enough that the changed layer goes
// through the windowed codec, then applied with the basis read on demand from the engine's export (once for
// its layout, once per layer read) and loaded: the engine shows the target image, layer for layer.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { createImageDeltaFile } from '../../../simulator/engine/imageDeltaFiles.js';
import { applyImageDelta } from '../../../simulator/engine/imageDeltaApply.js';
import { writeImageArchive } from '../../../simulator/engine/imageArchiveWriter.js';
import type { ImageArchive } from '../../../simulator/engine/imageArchive.js';
import { makeImage, makeTar, randomBytes } from '../../unit/engine/fixtures.js';
import { engineImageLayers } from '../../../simulator/engine/imageLayers.js';
import { runTag } from '../../testNet.js';

const docker = new Docker();
const REPO = `edgepush-test-ondemand-${runTag()}/app`;

async function load(img: ImageArchive): Promise<void> {
  const res = await docker.loadImage(
    writeImageArchive({ ...img, layers: img.layers.map((l) => ({ ...l, size: l.data.length })) }) as unknown as NodeJS.ReadableStream,
  );
  await new Promise((resolve, reject) => docker.modem.followProgress(res, (err: Error | null) => (err ? reject(err) : resolve(undefined))));
}

async function removeTestImages(): Promise<void> {
  for (const img of await docker.listImages({ filters: { reference: [REPO] } })) {
    await docker
      .getImage(img.Id)
      .remove({ force: true })
      .catch(() => undefined);
  }
}

after(removeTestImages);

test('a windowed image delta made from engine exports and applied with the basis read on demand from the engine', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ep-ondemand-'));
  try {
    const base = await makeTar([{ name: 'lib/base.bin', data: randomBytes(500_000, 21) }]);
    const files = (v: number) =>
      makeTar(
        Array.from({ length: 12 }, (_, i) => {
          const data = Buffer.from(randomBytes(200_000, 200 + i));
          if (v === 2 && i % 4 === 1) for (let at = 500; at < data.length; at += 7000) data[at] = data[at]! ^ 0x33;
          return { name: `app/part${i}.bin`, data };
        }),
      );
    const basis = makeImage([base, await files(1)], `${REPO}:1`);
    const target = makeImage([base, await files(2)], `${REPO}:2`);
    await load(basis);
    await load(target);
    const budget = 4 << 20;
    const d = await createImageDeltaFile({
      basis: { docker, ref: `${REPO}:1` },
      target: { docker, ref: `${REPO}:2` },
      outputPath: join(dir, 'd'),
      memoryBudget: budget,
      workDir: dir,
    });
    assert.deepEqual(
      d.report.layers.map((l) => l.status),
      ['shared', 'changed'],
    );
    const payload = (await readFile(join(dir, 'd'))).length;
    assert.ok(payload < 150_000, `delta ${payload} bytes`);
    // the engine's export is indexed (not held), and a layer read from it is the layer
    const onDemand = await engineImageLayers(docker, `${REPO}:1`);
    assert.ok(onDemand, 'the export of this engine is read on demand (uncompressed layers)');
    assert.deepEqual(
      onDemand.layers.map((l) => l.diffId),
      basis.layers.map((l) => l.diffId),
    );
    const parts: Uint8Array[] = [];
    for await (const c of onDemand.open(basis.layers[1]!.diffId)) parts.push(c);
    assert.ok(Buffer.concat(parts).equals(basis.layers[1]!.data));
    await docker.getImage(`${REPO}:2`).remove({ force: true });

    const res = await applyImageDelta({ delta: join(dir, 'd'), docker, memoryBudget: budget, workDir: dir });
    assert.equal(res.loaded, true);
    const inspected = await docker.getImage(`${REPO}:2`).inspect();
    assert.equal(inspected.Id, target.imageId);
    assert.deepEqual(
      inspected.RootFS.Layers,
      target.layers.map((l) => l.diffId),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
