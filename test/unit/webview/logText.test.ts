// The log panel's text (copy, save), its search over every buffered line, and line selection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { entryText, findMatches, LineSelection, linesText } from '../../../webview/logs/logText.js';
import type { LogEntry } from '../../../webview/protocol.js';

const at = new Date(2024, 0, 2, 3, 4, 5, 6).getTime(); // local time
const entries: LogEntry[] = [
  { seq: 1, timestamp: at, kind: 'system', message: 'Started service main' },
  { seq: 2, timestamp: at, kind: 'line', service: 'main', message: 'tick 1' },
  { seq: 3, timestamp: at, kind: 'line', service: 'api', message: 'listening', stderr: true },
  { seq: 4, timestamp: at, kind: 'line', service: 'main', message: 'tick 2' },
];

test('lines as text: local time, service, stderr mark', () => {
  assert.equal(entryText(entries[1]!), '03:04:05.006 [main] tick 1');
  assert.equal(entryText(entries[2]!), '03:04:05.006 [api]! listening');
  assert.equal(linesText(entries.slice(0, 2)), '03:04:05.006 [system] Started service main\n03:04:05.006 [main] tick 1');
});

test('find: every buffered line, by message or service, ignoring case', () => {
  assert.deepEqual(findMatches(entries, 'TICK'), [1, 3]);
  assert.deepEqual(findMatches(entries, 'api'), [2]);
  assert.deepEqual(findMatches(entries, '  '), []);
});

test('selection: click, shift-click range, ctrl-click toggle, all', () => {
  const s = new LineSelection();
  s.click(entries, 2, 'one');
  s.click(entries, 4, 'range');
  assert.deepEqual(
    s.of(entries).map((e) => e.seq),
    [2, 3, 4],
  );
  s.click(entries, 3, 'toggle');
  assert.deepEqual(
    s.of(entries).map((e) => e.seq),
    [2, 4],
  );
  s.click(entries, 1, 'one');
  assert.deepEqual(
    s.of(entries).map((e) => e.seq),
    [1],
  );
  s.all(entries);
  assert.equal(s.size, 4);
  s.clear();
  assert.equal(s.size, 0);
});
