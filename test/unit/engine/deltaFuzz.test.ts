// Fuzzing the decoders with random and mutated deltas (fixed seed, bounded iterations): every outcome is either
// the exact target or a clear EdgePushError, never a crash, a hang, or a file outside the output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createByteDelta } from '../../../simulator/engine/byteDelta.js';
import { applyDeltaFile } from '../../../simulator/engine/byteDeltaFiles.js';
import { applyImageDelta } from '../../../simulator/engine/imageDeltaApply.js';
import { createImageDelta } from '../../../simulator/engine/imageDelta.js';
import { EdgePushError } from '../../../simulator/shared/errors.js';
import { appliedInMemory, makeImage, makeTar, prng, randomBytes, textBytes } from './fixtures.js';

const clearError = (err: unknown) => EdgePushError.is(err) && err.message.length > 0 && !err.message.includes('\n');

function mutate(d: Buffer, r: () => number): Buffer {
  const b = Buffer.from(d);
  switch (r() % 6) {
    case 0: // truncate
      return b.subarray(0, r() % b.length);
    case 1: // flip bits
      for (let i = 0, n = 1 + (r() % 8); i < n; i++) b[r() % b.length]! ^= 1 << (r() % 8);
      return b;
    case 2: {
      // wrong length or huge count in a header field
      const at = r() % Math.max(1, b.length - 4);
      b.writeUInt32LE([0xffffffff, 0x7fffffff, r(), 0][r() % 4]! >>> 0, at);
      return b;
    }
    case 3: // extra bytes at the end
      return Buffer.concat([b, randomBytes(1 + (r() % 64), r())]);
    case 4: // a chunk removed from the middle
      return Buffer.concat([b.subarray(0, r() % b.length), b.subarray(r() % b.length)]);
    default: // pure noise with a valid magic
      return Buffer.concat([b.subarray(0, 8), randomBytes(r() % 400, r())]);
  }
}

async function outcome(old: Buffer, delta: Buffer): Promise<Buffer | 'error'> {
  try {
    return await appliedInMemory(old, delta);
  } catch (err) {
    assert.ok(clearError(err), `not a clear error: ${(err as Error).stack}`);
    return 'error';
  }
}

test('byte decoder: 600 mutated deltas give the exact target or a clear error', async () => {
  const r = prng(0xed6e);
  const old = textBytes(60_000, 11);
  const next = Buffer.concat([old.subarray(0, 20_000), randomBytes(3000, 12), old.subarray(25_000)]);
  for (const blockSize of [1 << 20, 8192]) {
    const d = Buffer.concat(createByteDelta(old, next, { blockSize }).chunks);
    for (let i = 0; i < 300; i++) {
      const m = mutate(d, r);
      const out = await outcome(old, m);
      if (out !== 'error') assert.ok(out.equals(next), `mutation ${i} produced wrong bytes without an error`);
    }
  }
});

test('byte decoder: random bytes are refused', async () => {
  const r = prng(7);
  for (let i = 0; i < 200; i++) assert.equal(await outcome(Buffer.alloc(10), randomBytes(r() % 2000, r())), 'error');
});

test('file apply: failures leave no output and nothing else in the directory', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ep-fuzz-'));
  try {
    const old = randomBytes(30_000, 21);
    const next = Buffer.concat([old.subarray(1000), randomBytes(500, 22)]);
    const d = Buffer.concat(createByteDelta(old, next).chunks);
    await writeFile(join(dir, 'old'), old);
    const r = prng(99);
    for (let i = 0; i < 60; i++) {
      await writeFile(join(dir, 'delta'), mutate(d, r));
      try {
        await applyDeltaFile(join(dir, 'old'), join(dir, 'delta'), join(dir, 'out'));
        await rm(join(dir, 'out'));
      } catch (err) {
        assert.ok(clearError(err), String(err));
      }
      assert.deepEqual((await readdir(dir)).sort(), ['delta', 'old']);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('image decoder: mutated image deltas give the exact image or a clear error, and no archive on error', async () => {
  const base = await makeTar([{ name: 'bin/sh', data: randomBytes(20_000, 31) }]);
  const app1 = await makeTar([{ name: 'app/main.js', data: textBytes(30_000, 32) }]);
  const app2 = await makeTar([{ name: 'app/main.js', data: Buffer.concat([textBytes(30_000, 32), Buffer.from('// v2')]) }]);
  const basis = makeImage([base, app1], 'fuzz:1');
  const target = makeImage([base, app2], 'fuzz:2');
  const d = Buffer.concat((await createImageDelta({ basis, target, estimates: false })).chunks);
  const dir = await mkdtemp(join(tmpdir(), 'ep-fuzz-img-'));
  try {
    const r = prng(1234);
    for (let i = 0; i < 80; i++) {
      const out = join(dir, 'image.tar');
      try {
        const res = await applyImageDelta({
          delta: (async function* () {
            yield mutate(d, r);
          })(),
          basis,
          outputPath: out,
        });
        assert.equal(res.imageId, target.imageId);
        await rm(out);
      } catch (err) {
        assert.ok(clearError(err), `not a clear error: ${(err as Error).stack}`);
      }
      assert.deepEqual(await readdir(dir), []);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('image decoder: corrupt bytes in a layer larger than the tar parser buffer fail, never hang', { timeout: 60_000 }, async () => {
  // Regression: a rebuilt layer whose tar headers are garbage made the parser error without a 'drain', and
  // apply waited forever. Flipped bytes near the end land in the new file's data or a tar header.
  const base = await makeTar([{ name: 'bin/sh', data: randomBytes(20_000, 41) }]);
  const big = await makeTar([{ name: 'rand.bin', data: randomBytes(200_000, 42) }]);
  const basis = makeImage([base], 'big:1');
  const target = makeImage([base, big], 'big:2');
  const d = Buffer.concat((await createImageDelta({ basis, target, estimates: false })).chunks);
  const dir = await mkdtemp(join(tmpdir(), 'ep-fuzz-big-'));
  try {
    for (const back of [30, 50, 100, 200, 500, 5_000, 50_000]) {
      const bad = Buffer.from(d);
      bad[bad.length - back]! ^= 0xff;
      await assert.rejects(
        applyImageDelta({
          delta: (async function* () {
            yield bad;
          })(),
          basis,
          outputPath: join(dir, 'image.tar'),
        }),
        (err: unknown) => clearError(err),
      );
      assert.deepEqual(await readdir(dir), []);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
