// The codec on a worker thread gives exactly the delta the inline codec gives, reports errors with their kind,
// and stops when the caller cancels. (The reason for it, an event loop that keeps answering, is what the
// extension and push benchmarks observe; no timing is asserted here.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createImageDelta } from '../../../simulator/engine/imageDelta.js';
import { createImageDeltaOffThread } from '../../../simulator/engine/imageDeltaOffThread.js';
import { applyImageDelta } from '../../../simulator/engine/imageDeltaApply.js';
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
