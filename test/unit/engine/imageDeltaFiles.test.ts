// Image deltas made from archive files and applied with the basis read on demand (imageDeltaFiles.ts,
// imageLayers.ts): with a budget small enough that the changed layer goes through the windowed codec, the
// rebuilt archive is the target's archive byte for byte, the same delta applies with the basis held in memory,
// and a wrong or corrupt input is refused with nothing written. A first push over half the budget is made a
// block at a time; archives with gzip-compressed layers are inflated to disk first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createImageDeltaFile } from '../../../simulator/engine/imageDeltaFiles.js';
import { createByteDeltaAsync } from '../../../simulator/engine/byteDelta.js';
import { blockSizeFor } from '../../../simulator/engine/deltaFromNothing.js';
import { applyImageDelta, readImageDeltaHeader } from '../../../simulator/engine/imageDeltaApply.js';
import { writeImageArchive } from '../../../simulator/engine/imageArchiveWriter.js';
import type { ImageArchive } from '../../../simulator/engine/imageArchive.js';
import { EdgePushError } from '../../../simulator/shared/errors.js';
import { makeImage, makeTar, randomBytes } from './fixtures.js';

const archive = (img: ImageArchive, path: string) =>
  pipeline(writeImageArchive({ ...img, layers: img.layers.map((l) => ({ ...l, size: l.data.length })) }), createWriteStream(path));

async function images() {
  const base = await makeTar([{ name: 'lib/base.bin', data: randomBytes(600_000, 11) }]);
  const files = (v: number) =>
    makeTar(
      Array.from({ length: 12 }, (_, i) => {
        const data = Buffer.from(randomBytes(200_000, 100 + i));
        if (v === 2 && i % 3 === 0) for (let at = 1000; at < data.length; at += 5000) data[at] = data[at]! ^ 0x55;
        return { name: `app/part${i}.bin`, data };
      }),
    );
  return { basis: makeImage([base, await files(1)], 'files/app:1'), target: makeImage([base, await files(2)], 'files/app:2') };
}

test('a delta made from archive files through the window rebuilds the target archive exactly, basis on demand or in memory', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ep-imgfiles-'));
  try {
    const { basis, target } = await images();
    await archive(basis, join(dir, 'basis.tar'));
    await archive(target, join(dir, 'target.tar'));
    const budget = 4 << 20; // old + new > 2 MiB: the changed layer is windowed
    const d = await createImageDeltaFile({
      basis: { archivePath: join(dir, 'basis.tar') },
      target: { archivePath: join(dir, 'target.tar') },
      outputPath: join(dir, 'd'),
      memoryBudget: budget,
    });
    assert.deepEqual(
      d.report.layers.map((l) => l.status),
      ['shared', 'changed'],
    );
    assert.ok(d.bytes < 200_000, `delta ${d.bytes} bytes for a 2.4 MB layer with a third of its files touched`);
    const h = await readImageDeltaHeader(join(dir, 'd'));
    assert.equal(h.target.imageId, target.imageId);
    const want = await readFile(join(dir, 'target.tar'));
    const onDemand = await applyImageDelta({
      delta: join(dir, 'd'),
      basis: { archivePath: join(dir, 'basis.tar') },
      outputPath: join(dir, 'a.tar'),
      memoryBudget: budget,
    });
    assert.equal(onDemand.imageId, target.imageId);
    assert.ok((await readFile(join(dir, 'a.tar'))).equals(want), 'the rebuilt archive is the target archive');
    await applyImageDelta({ delta: join(dir, 'd'), basis, outputPath: join(dir, 'b.tar') });
    assert.ok((await readFile(join(dir, 'b.tar'))).equals(want), 'the same delta applies with the basis in memory');
    const thin = await applyImageDelta({
      delta: join(dir, 'd'),
      basis: { archivePath: join(dir, 'basis.tar') },
      outputPath: join(dir, 't.tar'),
      memoryBudget: budget,
      thin: true,
    });
    assert.ok(thin.archiveBytes < want.length - 600_000, 'a thin archive leaves the shared base out');

    // a wrong basis (the target itself) and a damaged payload: refused, nothing committed
    await assert.rejects(
      applyImageDelta({
        delta: join(dir, 'd'),
        basis: { archivePath: join(dir, 'target.tar') },
        outputPath: join(dir, 'x.tar'),
        memoryBudget: budget,
      }),
      (e) => EdgePushError.is(e, 'conflict'),
    );
    const bad = await readFile(join(dir, 'd'));
    bad[bad.length - 100] = bad[bad.length - 100]! ^ 0xff;
    await writeFile(join(dir, 'bad'), bad);
    await assert.rejects(
      applyImageDelta({
        delta: join(dir, 'bad'),
        basis: { archivePath: join(dir, 'basis.tar') },
        outputPath: join(dir, 'y.tar'),
        memoryBudget: budget,
      }),
      (e) => EdgePushError.is(e, 'corrupt'),
    );
    const left = (await readdir(dir)).filter((n) => n.startsWith('x.tar') || n.startsWith('y.tar') || n.includes('.tmp'));
    assert.deepEqual(left, []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a first push of an image over half the budget is made a block at a time: the bytes the in-memory path makes for that block size, and it rebuilds the target', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ep-imgfirst-'));
  try {
    const { target } = await images();
    await archive(target, join(dir, 'target.tar'));
    const budget = 4 << 20; // the 2.4 MB app layer is over half of it: made in 1 MiB blocks, never read whole
    const d = await createImageDeltaFile({
      target: { archivePath: join(dir, 'target.tar') },
      outputPath: join(dir, 'd'),
      memoryBudget: budget,
    });
    assert.deepEqual(
      d.report.layers.map((l) => l.status),
      ['changed', 'changed'],
    );
    const app = target.layers[1]!.data;
    const held = await createByteDeltaAsync(new Uint8Array(0), app, { blockSize: blockSizeFor(budget) });
    const want = await readFile(join(dir, 'target.tar'));
    const delta = await readFile(join(dir, 'd'));
    assert.ok(delta.includes(Buffer.concat(held.chunks)), 'the app layer is the delta the in-memory codec makes from nothing');
    assert.ok(d.report.layers[1]!.layerPullBytes > 0, 'the layer pull estimate was made, streamed');
    const out = await applyImageDelta({ delta: join(dir, 'd'), outputPath: join(dir, 'a.tar'), memoryBudget: budget });
    assert.equal(out.imageId, target.imageId);
    assert.ok((await readFile(join(dir, 'a.tar'))).equals(want), 'the rebuilt archive is the target archive');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** The image as `docker save` from a containerd image store writes it: each layer blob gzip-compressed (named by
 *  the digest of its compressed bytes), manifest.json naming them, the config's diff ids those of the tars. */
async function gzipArchive(img: ImageArchive, path: string): Promise<void> {
  const p = tarPack();
  const done = pipeline(p, createWriteStream(path));
  const put = (name: string, data: Uint8Array) =>
    new Promise<void>((resolve, reject) => p.entry({ name, size: data.length }, Buffer.from(data), (e) => (e ? reject(e) : resolve())));
  const blob = (b: Uint8Array) => `blobs/sha256/${createHash('sha256').update(b).digest('hex')}`;
  const layers = img.layers.map((l) => gzipSync(l.data));
  for (const l of layers) await put(blob(l), l);
  await put(blob(img.config), img.config);
  await put('manifest.json', Buffer.from(JSON.stringify([{ Config: blob(img.config), RepoTags: img.repoTags, Layers: layers.map(blob) }])));
  p.finalize();
  await done;
}

test('archives with gzip-compressed layers (a containerd image store) are inflated to disk and diffed within the budget like any other', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ep-imggz-'));
  try {
    const { basis, target } = await images();
    await gzipArchive(basis, join(dir, 'basis.tar'));
    await gzipArchive(target, join(dir, 'target.tar'));
    await archive(target, join(dir, 'want.tar'));
    const budget = 4 << 20; // the changed layer is windowed, as with uncompressed archives
    const work = join(dir, 'work');
    await mkdir(work);
    const d = await createImageDeltaFile({
      basis: { archivePath: join(dir, 'basis.tar') },
      target: { archivePath: join(dir, 'target.tar') },
      outputPath: join(dir, 'd'),
      memoryBudget: budget,
      workDir: work,
    });
    assert.deepEqual(
      d.report.layers.map((l) => l.status),
      ['shared', 'changed'],
    );
    assert.ok(d.bytes < 200_000, `delta ${d.bytes} bytes: the layers were diffed inflated, not as gzip streams`);
    assert.deepEqual(await readdir(work), [], 'the inflated copies are removed');
    const out = await applyImageDelta({ delta: join(dir, 'd'), basis, outputPath: join(dir, 'a.tar') });
    assert.equal(out.imageId, target.imageId);
    assert.ok(
      (await readFile(join(dir, 'a.tar'))).equals(await readFile(join(dir, 'want.tar'))),
      'the rebuilt archive holds the target image',
    );

    // a layer that does not inflate is refused with a clear error, nothing written
    const bad = await readFile(join(dir, 'target.tar'));
    const at = bad.indexOf(Buffer.from([0x1f, 0x8b, 0x08]), 512);
    bad.fill(0x55, at + 200, at + 400);
    await writeFile(join(dir, 'bad.tar'), bad);
    await assert.rejects(
      createImageDeltaFile({
        target: { archivePath: join(dir, 'bad.tar') },
        outputPath: join(dir, 'x'),
        memoryBudget: budget,
        workDir: work,
      }),
      (e) => EdgePushError.is(e, 'corrupt'),
    );
    assert.deepEqual(
      (await readdir(dir)).filter((n) => n.startsWith('x')),
      [],
    );
    assert.deepEqual(await readdir(work), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
