// Push's path for large images: both images streamed to archive files (an engine export arrives as a stream),
// diffed on the delta worker within a memory budget. The delta is the one createImageDeltaFile makes inline, in
// a file of its own (the archives are gone), it rebuilds the target, and once disposed of (or when the job
// failed or was cancelled) nothing is left in the work folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createImageDeltaFile } from '../../../simulator/engine/imageDeltaFiles.js';
import { createImageDeltaFileOffThread } from '../../../simulator/engine/imageDeltaFileOffThread.js';
import { applyImageDelta } from '../../../simulator/engine/imageDeltaApply.js';
import { writeImageArchive } from '../../../simulator/engine/imageArchiveWriter.js';
import type { ImageArchive } from '../../../simulator/engine/imageArchive.js';
import { EdgePushError } from '../../../simulator/shared/errors.js';
import { makeImage, makeTar, randomBytes } from './fixtures.js';

const archiveStream = (img: ImageArchive) => writeImageArchive({ ...img, layers: img.layers.map((l) => ({ ...l, size: l.data.length })) });

async function images() {
  const base = await makeTar([{ name: 'lib/base.bin', data: randomBytes(300_000, 21) }]);
  const files = (v: number) =>
    makeTar(
      Array.from({ length: 8 }, (_, i) => {
        const data = Buffer.from(randomBytes(150_000, 200 + i));
        if (v === 2 && i % 3 === 0) for (let at = 500; at < data.length; at += 4000) data[at] = data[at]! ^ 0x33;
        return { name: `app/part${i}.bin`, data };
      }),
    );
  return { basis: makeImage([base, await files(1)], 'spool/app:1'), target: makeImage([base, await files(2)], 'spool/app:2') };
}

test('large-image push path: streamed sources, windowed on the worker, the same delta as inline, rebuilds the target', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ep-push-file-'));
  try {
    const { basis, target } = await images();
    await pipeline(archiveStream(basis), createWriteStream(join(dir, 'basis.tar')));
    await pipeline(archiveStream(target), createWriteStream(join(dir, 'target.tar')));
    const memoryBudget = 2 << 20; // old + new > 1 MiB: the changed layer goes through the window
    const work = join(dir, 'work');
    await mkdir(work);
    const off = await createImageDeltaFileOffThread({
      basis: { archivePath: join(dir, 'basis.tar') },
      target: { stream: archiveStream(target) }, // spooled to the work folder, as an engine export is
      memoryBudget,
      workDir: work,
    });
    assert.ok(off.threadId !== undefined, 'made on the delta worker');
    const [folder, ...more] = await readdir(work);
    assert.deepEqual(more, [], 'one folder of its own');
    assert.deepEqual(await readdir(join(work, folder!)), ['delta'], 'the spooled archive is removed; the delta stays in its file');
    const inline = await createImageDeltaFile({
      basis: { archivePath: join(dir, 'basis.tar') },
      target: { archivePath: join(dir, 'target.tar') },
      outputPath: join(dir, 'inline'),
      memoryBudget,
    });
    assert.ok((await readFile(off.deltaPath)).equals(await readFile(join(dir, 'inline'))), 'the same delta bytes as inline');
    assert.equal(off.bytes, inline.bytes);
    assert.equal(off.content.size, inline.bytes);
    assert.deepEqual({ ...off.report, seconds: 0 }, { ...inline.report, seconds: 0 });
    const applied = await applyImageDelta({ delta: off.stream(), basis });
    assert.equal(applied.imageId, target.imageId);
    await off.dispose();
    assert.deepEqual(await readdir(work), [], 'disposed: nothing is left in the work folder');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('large-image push path: bytes that are not an archive are refused as invalid input; a cancelled job rejects as cancelled', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ep-push-file-'));
  try {
    const { basis, target } = await images();
    await pipeline(archiveStream(basis), createWriteStream(join(dir, 'basis.tar')));
    await writeFile(join(dir, 'junk.tar'), randomBytes(100_000, 5));
    const work = join(dir, 'work');
    await mkdir(work);
    await assert.rejects(
      createImageDeltaFileOffThread({
        basis: { archivePath: join(dir, 'basis.tar') },
        target: { archivePath: join(dir, 'junk.tar') },
        workDir: work,
      }),
      (e: unknown) => EdgePushError.is(e, 'invalid-input'),
    );
    assert.deepEqual(await readdir(work), [], 'a failed job leaves nothing');
    const ac = new AbortController();
    const job = createImageDeltaFileOffThread({
      basis: { archivePath: join(dir, 'basis.tar') },
      target: { stream: archiveStream(target) },
      signal: ac.signal,
      workDir: work,
    });
    ac.abort();
    await assert.rejects(job, (e: unknown) => EdgePushError.is(e, 'cancelled'));
    assert.deepEqual(await readdir(work), [], 'a cancelled job leaves nothing');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
