// Hostile image deltas applied in process (no device): the host process survives, nothing is committed, and
// what a delta declares is checked before any work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { applyImageDelta } from '../../../simulator/engine/imageDeltaApply.js';
import { decodeImageDeltaHeader } from '../../../simulator/engine/imageDeltaFormat.js';
import { ByteReader } from '../../../simulator/engine/byteReader.js';
import { EdgePushError } from '../../../simulator/shared/errors.js';
import { chainedSymlinkTar, deltaOfLayer, imageDelta, truncatedTar } from '../../fuzz/hostileDeltas.js';
import { makeImage, makeTar } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'ep-hostile-'));

async function split(delta: Buffer) {
  const reader = new ByteReader(Readable.from([delta]));
  const header = await decodeImageDeltaHeader(reader);
  return { header, payload: delta.subarray(reader.consumed) };
}

test('a tar entry that claims 8 GiB and ends after 1 KiB fails the apply; the process lives on, nothing is written', async () => {
  const { delta } = await deltaOfLayer(await truncatedTar());
  const out = join(dir, 'trunc.tar');
  await assert.rejects(applyImageDelta({ delta: Readable.from([delta]), outputPath: out }), (e: unknown) => EdgePushError.is(e, 'corrupt'));
  await new Promise((r) => setImmediate(r)); // a stray error event would surface here and fail the run
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.includes('trunc')),
    [],
  );
});

test('an archive size the layers cannot make is refused before anything is written', async () => {
  const { delta } = await deltaOfLayer(await makeTar([{ name: 'x', data: 'x' }]));
  const { header, payload } = await split(delta);
  header.target.archiveSize += 512;
  const out = join(dir, 'size.tar');
  await assert.rejects(applyImageDelta({ delta: Readable.from([imageDelta(header, payload)]), outputPath: out }), (e: unknown) =>
    EdgePushError.is(e, 'corrupt'),
  );
  assert.equal(existsSync(out), false, 'no output committed');
});

test('declarations that disagree with the basis or with themselves are refused before work', async () => {
  const layer = await makeTar([{ name: 'a', data: 'a'.repeat(1000) }]);
  const basis = makeImage([layer], 'basis:1');
  const { delta } = await deltaOfLayer(await makeTar([{ name: 'b', data: 'b' }]));
  const { header, payload } = await split(delta);
  const cases: [string, (h: typeof header) => void, string][] = [
    [
      'basis layer listed many times',
      (h) => (h.basis = { imageId: basis.imageId, oldLayers: Array(1000).fill(basis.layers[0]!.diffId), reusedLayers: [] }),
      'more than once',
    ],
    ['layers the config does not list', (h) => h.target.layers.push({ ...h.target.layers[0]!, source: 'repeat' }), 'config lists'],
    ['payload bytes that do not add up', (h) => (h.target.layers[0]!.deltaBytes += 1), 'payload'],
    ['image bytes that do not add up', (h) => (h.target.imageBytes += 1), 'image bytes'],
  ];
  for (const [what, change, message] of cases) {
    const h = structuredClone(header);
    change(h);
    const path = join(dir, `case.delta`);
    writeFileSync(path, imageDelta(h, payload));
    await assert.rejects(
      applyImageDelta({ delta: path, basis, outputPath: join(dir, 'case.tar') }),
      (e: unknown) => EdgePushError.is(e, 'corrupt') && new RegExp(message).test((e as Error).message),
      what,
    );
    assert.equal(existsSync(join(dir, 'case.tar')), false, what);
  }
});

test('links that climb out of the root only when followed are refused', async () => {
  const { delta } = await deltaOfLayer(await chainedSymlinkTar());
  await assert.rejects(
    applyImageDelta({ delta: Readable.from([delta]) }),
    (e: unknown) => EdgePushError.is(e, 'corrupt') && /escapes the root/.test((e as Error).message),
  );
});
