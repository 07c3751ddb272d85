// The codec on a worker thread gives exactly the delta the inline codec gives, reports errors with their kind,
// and stops when the caller cancels. (The reason for it, an event loop that keeps answering, is what the
// extension and push benchmarks observe; no timing is asserted here.)
import { test } from 'node:test';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { createImageDelta } from '../../../simulator/engine/imageDelta.js';
import { createImageDeltaOffThread } from '../../../simulator/engine/imageDeltaOffThread.js';
import { applyImageDelta } from '../../../simulator/engine/imageDeltaApply.js';
import { applyImageDeltaOffThread } from '../../../simulator/engine/imageDeltaApplyOffThread.js';
import { readImageArchive, type ImageArchive } from '../../../simulator/engine/imageArchive.js';
import { writeImageArchive } from '../../../simulator/engine/imageArchiveWriter.js';
import { EdgePushError } from '../../../simulator/shared/errors.js';
import { makeImage, makeTar, randomBytes, textBytes } from './fixtures.js';

async function pair() {
  const base = await makeTar([{ name: 'bin/tool', data: randomBytes(150_000, 7) }]);
  const app1 = await makeTar([{ name: 'app/main.js', data: textBytes(40_000, 8) }]);
  const app2 = await makeTar([{ name: 'app/main.js', data: Buffer.concat([textBytes(40_000, 8), Buffer.from('\n// v2\n')]) }]);
  return { basis: makeImage([base, app1], 'off:1'), target: makeImage([base, app2], 'off:2') };
}

test('off-thread: the same delta bytes and report as inline, and it applies to the target image', async () => {
  const { basis, target } = await pair();
  const inline = await createImageDelta({ basis, target });
  const off = await createImageDeltaOffThread({ basis, target });
  assert.ok(Buffer.concat(off.chunks).equals(Buffer.concat(inline.chunks)), 'delta bytes differ');
  assert.equal(off.bytes, inline.bytes);
  assert.deepEqual({ ...off.report, seconds: 0 }, { ...inline.report, seconds: 0 });
  const applied = await applyImageDelta({ delta: off.stream(), basis });
  assert.equal(applied.imageId, target.imageId);
});

test('off-thread: an error keeps its kind; a cancelled job rejects as cancelled', async () => {
  const { basis, target } = await pair();
  const broken = { ...target, config: Buffer.from([0xff, 0xfe, 0x00]) };
  await assert.rejects(createImageDeltaOffThread({ basis, target: broken }), (e: unknown) => EdgePushError.is(e, 'invalid-input'));
  const ac = new AbortController();
  const job = createImageDeltaOffThread({ basis, target, signal: ac.signal });
  ac.abort();
  await assert.rejects(job, (e: unknown) => EdgePushError.is(e, 'cancelled'));
});

test('off-thread: the worker is kept warm between jobs; a job that finds it busy, or one after a cancel, still runs', async () => {
  const { basis, target } = await pair();
  const first = await createImageDeltaOffThread({ basis, target });
  const second = await createImageDeltaOffThread({ basis, target });
  assert.ok(first.threadId !== undefined);
  assert.equal(second.threadId, first.threadId, 'the second job runs on the kept worker');
  assert.ok(Buffer.concat(second.chunks).equals(Buffer.concat(first.chunks)));
  const [a, b] = await Promise.all([createImageDeltaOffThread({ basis, target }), createImageDeltaOffThread({ basis, target })]);
  assert.notEqual(a.threadId, b.threadId, 'two jobs at once run on two workers');
  assert.ok(Buffer.concat(a.chunks).equals(Buffer.concat(b.chunks)));
  const ac = new AbortController();
  const job = createImageDeltaOffThread({ basis, target, signal: ac.signal });
  ac.abort();
  await assert.rejects(job, (e: unknown) => EdgePushError.is(e, 'cancelled'));
  const after = await createImageDeltaOffThread({ basis, target });
  assert.ok(Buffer.concat(after.chunks).equals(Buffer.concat(first.chunks)), 'a fresh worker takes over after a cancel');
});

/** The device's apply: the delta in a file, the basis archive opened (again, when read on demand) by the caller. */
async function applyOffThread(made: { basis: ImageArchive; target: ImageArchive }, basisImage: ImageArchive, memoryBudget?: number) {
  const dir = await mkdtemp(join(tmpdir(), 'ep-apply-off-'));
  try {
    const deltaPath = join(dir, 'delta');
    await createImageDelta({ ...made, outputPath: deltaPath });
    let opens = 0;
    const basis = async () => {
      opens++;
      return writeImageArchive({ ...basisImage, layers: basisImage.layers.map((l) => ({ ...l, size: l.data.length })) });
    };
    const outputPath = join(dir, 'image.tar');
    const result = await applyImageDeltaOffThread({ deltaPath, outputPath, basis, memoryBudget, deadlineMs: 60_000 }).catch(
      (e: unknown) => e,
    );
    const rebuilt = result instanceof Error ? undefined : await readImageArchive({ archivePath: outputPath });
    return {
      result,
      rebuilt,
      opens,
      outputLeft: await stat(outputPath).then(
        () => true,
        () => false,
      ),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('off-thread apply: a basis read on demand (memory budget) rebuilds the same image as one held whole', async () => {
  const made = await pair();
  const { basis, target } = made;
  const held = await applyOffThread(made, basis);
  const onDemand = await applyOffThread(made, basis, 16 << 20);
  for (const r of [held, onDemand]) {
    assert.ok(!(r.result instanceof Error), String(r.result));
    assert.equal(r.rebuilt?.imageId, target.imageId);
    assert.deepEqual(
      r.rebuilt?.layers.map((l) => l.data),
      target.layers.map((l) => l.data),
    );
  }
  assert.equal(held.opens, 1, 'held: the basis archive is read once');
  assert.ok(onDemand.opens > 1, 'on demand: the archive is indexed, then read again for the layers needed');
});

test('off-thread apply on demand: a basis whose layer bytes differ from its diff id fails, and leaves no output', async () => {
  const made = await pair();
  const { basis } = made;
  const forged = { ...basis, layers: basis.layers.map((l, i) => (i === 1 ? { ...l, data: Buffer.from(l.data).fill(0x41, 600, 700) } : l)) };
  const r = await applyOffThread(made, forged, 16 << 20);
  assert.ok(EdgePushError.is(r.result, 'corrupt') || EdgePushError.is(r.result, 'conflict'), String(r.result));
  assert.equal(r.outputLeft, false);
});
