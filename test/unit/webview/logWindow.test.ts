import assert from 'node:assert/strict';
import { test } from 'node:test';
import { firstAtOrAfter, visibleWindow } from '../../../webview/logs/logWindow.js';

test('only the rows in view and a margin are drawn, whatever the number of lines', () => {
  assert.deepEqual(visibleWindow(5000, 20, 0, 400, 10), { first: 0, end: 30 });
  assert.deepEqual(visibleWindow(5000, 20, 99_600, 400, 10), { first: 4970, end: 5000 });
  assert.deepEqual(visibleWindow(0, 20, 0, 400), { first: 0, end: 0 });
  assert.deepEqual(visibleWindow(3, 20, 0, 400), { first: 0, end: 3 });
});

test('trimming finds the first kept entry by sequence number', () => {
  const entries = [{ seq: 2 }, { seq: 5 }, { seq: 9 }, { seq: 12 }];
  assert.equal(firstAtOrAfter(entries, 1), 0);
  assert.equal(firstAtOrAfter(entries, 6), 2);
  assert.equal(firstAtOrAfter(entries, 9), 2);
  assert.equal(firstAtOrAfter(entries, 13), 4);
});
