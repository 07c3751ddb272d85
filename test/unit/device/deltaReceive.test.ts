// The delta endpoint's pure part (simulator/device/deltaReceive.ts): Content-Range of a resumed upload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseContentRange } from '../../../simulator/device/deltaReceive.js';

test('Content-Range parsing', () => {
  assert.deepEqual(parseContentRange('bytes 0-99/1000'), { start: 0, total: 1000 });
  assert.deepEqual(parseContentRange('bytes 500-999/1000'), { start: 500, total: 1000 });
  assert.equal(parseContentRange('items 1-2/3'), undefined);
  assert.equal(parseContentRange(undefined), undefined);
});
