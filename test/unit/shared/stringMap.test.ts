// Compose's two spellings of a string map read as one record, for the push (compose files) and the device
// (target states) alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toStringMap } from '../../../simulator/shared/stringMap.js';

test('a list of KEY=value (KEY alone: empty) and a map (null: empty, scalars as text) read the same', () => {
  assert.deepEqual(toStringMap(['A=1', 'B=x=y', 'C']), { A: '1', B: 'x=y', C: '' });
  assert.deepEqual(toStringMap({ A: 1, B: 'x=y', C: null, D: true }), { A: '1', B: 'x=y', C: '', D: 'true' });
  assert.deepEqual(toStringMap(undefined), {});
});
