// The tar layout reader behind tar-aware pairing: long names, and several tars concatenated (the basis layers
// an image delta diffs against).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readTarLayout } from '../../../simulator/engine/tarLayout.js';
import { pairTarEntries } from '../../../simulator/engine/tarPairing.js';
import { makeTar, randomBytes } from './fixtures.js';

test('entries of concatenated tars are all listed, with long names and data offsets', async () => {
  const long = `app/${'deep/'.repeat(30)}file.txt`;
  const a = await makeTar([
    { name: 'bin/tool', data: 'tool' },
    { name: long, data: 'long name' },
  ]);
  const b = await makeTar([{ name: 'etc/conf', data: 'conf' }]);
  const both = Buffer.concat([a, b]);
  const entries = readTarLayout(both)!;
  assert.deepEqual(
    entries.map((e) => e.path),
    ['bin/tool', long, 'etc/conf'],
  );
  const conf = entries[2]!;
  assert.equal(both.subarray(conf.dataStart, conf.dataStart + conf.size).toString(), 'conf');
  assert.equal(readTarLayout(randomBytes(4096, 1)), null);
});

test('pairing: unchanged files are marked, changed ones hinted at their old version', async () => {
  const big = randomBytes(10_000, 2);
  const old = await makeTar([
    { name: 'a', data: big },
    { name: 'b', data: randomBytes(10_000, 3) },
  ]);
  const next = await makeTar([
    { name: 'b', data: randomBytes(10_000, 4) },
    { name: 'a', data: big },
  ]);
  const p = pairTarEntries(old, next);
  const oldA = readTarLayout(old)!.find((e) => e.path === 'a')!;
  assert.deepEqual(p.unchangedOld, [[oldA.dataStart, oldA.dataStart + oldA.size]]);
  assert.equal(p.hints.length, 4);
});
