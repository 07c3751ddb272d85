// --since / --tail of edgepush logs, and the tail buffer that replays the last N lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSince, parseTail, TailBuffer } from '../../../simulator/cli/logWindow.js';

test('--since takes durations, date-times and Unix seconds', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  assert.equal(parseSince('10m', now), now - 600_000);
  assert.equal(parseSince('1h30m', now), now - 5_400_000);
  assert.equal(parseSince('90s', now), now - 90_000);
  assert.equal(parseSince('2024-05-01T11:00:00Z', now), now - 3_600_000);
  assert.equal(parseSince('1714564800', now), 1714564800_000);
  assert.throws(() => parseSince('yesterday-ish', now), /--since expects/);
});

test('--tail takes a count or all', () => {
  assert.equal(parseTail('5'), 5);
  assert.equal(parseTail('all'), undefined);
  assert.equal(parseTail(undefined), undefined);
  assert.throws(() => parseTail('-3'), /--tail expects/);
});

test('the tail buffer keeps the last N replayed lines and passes live lines straight through', () => {
  const out: number[] = [];
  const b = new TailBuffer<{ timestamp?: number; n: number }>(2, 1000, (l) => out.push(l.n));
  b.push({ n: 0 }); // the stream's greeting, no time
  for (let i = 1; i <= 5; i++) b.push({ timestamp: 100 * i, n: i });
  assert.deepEqual(out, []);
  b.push({ timestamp: 1001, n: 6 });
  assert.deepEqual(out, [4, 5, 6]);
  b.push({ timestamp: 50, n: 7 }); // late, but the buffer is live now
  assert.deepEqual(out, [4, 5, 6, 7]);
  const all: number[] = [];
  const none = new TailBuffer<{ timestamp?: number; n: number }>(undefined, 1000, (l) => all.push(l.n));
  none.push({ timestamp: 1, n: 1 });
  assert.deepEqual(all, [1]);
});
