// Image deltas between archives: shared layers cost nothing, the rebuilt archive is the target image exactly,
// the report compares the methods, and a wrong basis is refused before anything is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createImageDelta, imageDeltaReport } from '../../../simulator/engine/imageDelta.js';
import { applyImageDelta, readImageDeltaHeader } from '../../../simulator/engine/imageDeltaApply.js';
import { readImageArchive } from '../../../simulator/engine/imageArchive.js';
import { imageDeltaReportSchema } from '../../../simulator/engine/deltaReport.js';
import { EdgePushError } from '../../../simulator/shared/errors.js';
import { makeImage, makeTar, randomBytes, textBytes } from './fixtures.js';

async function images() {
  const base = await makeTar([
    { name: 'bin/', type: 'directory' },
    { name: 'bin/busybox', data: randomBytes(300_000, 1) },
  ]);
  const deps = await makeTar([{ name: 'app/node_modules/lib.js', data: textBytes(200_000, 2) }]);
  const app1 = await makeTar([
    { name: 'app/main.js', data: textBytes(50_000, 3) },
    { name: 'app/bin', data: randomBytes(80_000, 4) },
  ]);
  const bin2 = Buffer.from(randomBytes(80_000, 4));
  for (let i = 0; i < bin2.length; i += 4001) bin2[i] = 0;
  const app2 = await makeTar([
    { name: 'app/main.js', data: Buffer.concat([textBytes(50_000, 3), Buffer.from('\nconsole.log("v2")\n')]) },
    { name: 'app/bin', data: bin2 },
  ]);
  return { basis: makeImage([base, deps, app1], 'demo/app:1'), target: makeImage([base, deps, app2], 'demo/app:2', ['V=2']) };
}

test('a rebuilt top layer: shared layers cost nothing and the delta is far below the other methods', async () => {
  const { basis, target } = await images();
  const d = await createImageDelta({ basis, target });
  const r = imageDeltaReportSchema.parse(d.report);
  assert.deepEqual(
    r.layers.map((l) => l.status),
    ['shared', 'shared', 'changed'],
  );
  assert.equal(r.basisImageId, basis.imageId);
  assert.equal(r.deltaBytes, d.bytes);
  assert.ok(r.imageBytes > 600_000);
  assert.ok(r.layerPullBytes > 50_000, `layer pull ${r.layerPullBytes}`);
  assert.ok(r.librsyncBytes < r.layerPullBytes, `librsync ${r.librsyncBytes} vs pull ${r.layerPullBytes}`);
  assert.ok(r.deltaBytes < r.librsyncBytes, `delta ${r.deltaBytes} vs librsync ${r.librsyncBytes}`);
});

test('apply rebuilds exactly the target image, and the header says what it needs and makes', async () => {
  const { basis, target } = await images();
  const dir = await mkdtemp(join(tmpdir(), 'ep-img-'));
  try {
    const d = await createImageDelta({ basis, target, outputPath: join(dir, 'delta') });
    const h = await readImageDeltaHeader(join(dir, 'delta'));
    assert.equal(h.basis?.imageId, basis.imageId);
    assert.equal(h.target.imageId, target.imageId);
    const res = await applyImageDelta({ delta: join(dir, 'delta'), basis, outputPath: join(dir, 'out.tar') });
    assert.equal(res.imageId, target.imageId);
    assert.equal((await stat(join(dir, 'out.tar'))).size, h.target.archiveSize);
    const rebuilt = await readImageArchive({ archivePath: join(dir, 'out.tar') });
    assert.equal(rebuilt.imageId, target.imageId);
    assert.deepEqual(rebuilt.repoTags, ['demo/app:2']);
    assert.deepEqual(
      rebuilt.layers.map((l) => l.diffId),
      target.layers.map((l) => l.diffId),
    );
    assert.equal(d.deltaPath, join(dir, 'delta'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('first push: no basis, the delta is the compressed full image and applies without one', async () => {
  const { target } = await images();
  const r = await imageDeltaReport({ target });
  assert.equal(r.basisImageId, null);
  assert.ok(r.layers.every((l) => l.status === 'changed'));
  assert.ok(r.deltaBytes < r.imageBytes, `${r.deltaBytes} < ${r.imageBytes}`);
  const d = await createImageDelta({ target, estimates: false });
  assert.equal(d.header.basis, null);
  const res = await applyImageDelta({ delta: d.stream() });
  assert.equal(res.imageId, target.imageId);
});

test('a wrong basis is refused with a conflict before the output file exists', async () => {
  const { basis, target } = await images();
  const other = makeImage([await makeTar([{ name: 'x', data: 'y' }])], 'other:1');
  const d = await createImageDelta({ basis, target, estimates: false });
  const dir = await mkdtemp(join(tmpdir(), 'ep-img-'));
  try {
    await assert.rejects(
      applyImageDelta({ delta: d.stream(), basis: other, outputPath: join(dir, 'out.tar') }),
      (e: unknown) => EdgePushError.is(e, 'conflict') && /wrong basis/.test((e as Error).message),
    );
    await assert.rejects(applyImageDelta({ delta: d.stream() }), (e: unknown) => EdgePushError.is(e, 'conflict'));
    assert.deepEqual(await readdir(dir), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
