// Deltas made by earlier versions of the format keep applying: the fixtures in formats/ were made once, with
// the code of the version they are named after, from inputs that formats/inputs.ts rebuilds from fixed seeds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyImageDelta } from '../../../simulator/engine/imageDeltaApply.js';
import { readImageArchive } from '../../../simulator/engine/imageArchive.js';
import { byteFixturePair, imageFixturePair } from './formats/inputs.js';
import { appliedInMemory } from './fixtures.js';

const fixture = (name: string) => readFileSync(join(__dirname, 'formats', name));

for (const name of ['byte-v1.delta', 'byte-v1-blocks.delta']) {
  test(`a version 1 byte delta (${name}) still rebuilds its target`, async () => {
    const { old, next } = await byteFixturePair();
    const delta = fixture(name);
    assert.equal(delta.readUInt8(8), 1, 'the fixture is a version 1 delta');
    assert.ok((await appliedInMemory(old, delta)).equals(next));
  });
}

test('a version 1 image delta still rebuilds its target image', async () => {
  const { basis, target } = await imageFixturePair();
  const dir = await mkdtemp(join(tmpdir(), 'ep-oldfmt-'));
  try {
    const res = await applyImageDelta({ delta: join(__dirname, 'formats', 'image-v1.delta'), basis, outputPath: join(dir, 'out.tar') });
    assert.equal(res.imageId, target.imageId);
    const rebuilt = await readImageArchive({ archivePath: join(dir, 'out.tar') });
    assert.deepEqual(
      rebuilt.layers.map((l) => l.diffId),
      target.layers.map((l) => l.diffId),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
