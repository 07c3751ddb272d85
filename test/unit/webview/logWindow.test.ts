import assert from 'node:assert/strict';
import { test } from 'node:test';
import { visibleWindow } from '../../../webview/logs/logWindow.js';

test('only the rows in view and a margin are drawn, whatever the number of lines', () => {
  assert.deepEqual(visibleWindow(5000, 20, 0, 400, 10), { first: 0, end: 30 });
  assert.deepEqual(visibleWindow(5000, 20, 99_600, 400, 10), { first: 4970, end: 5000 });
  assert.deepEqual(visibleWindow(0, 20, 0, 400), { first: 0, end: 0 });
  assert.deepEqual(visibleWindow(3, 20, 0, 400), { first: 0, end: 3 });
});
