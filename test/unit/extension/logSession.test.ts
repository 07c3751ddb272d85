import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogSession } from '../../../extension/logs/logSession.js';
import type { LogEntry } from '../../../webview/protocol.js';

test('a session hands lines to the panel in batches and keeps a bounded history for when it is reopened', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const session = new LogSession('127.0.30.40', 100, false);
  const batches: LogEntry[][] = [];
  session.onDidAppend((b) => batches.push(b));
  for (let i = 1; i <= 1000; i++) session.addLine({ message: `line ${i}`, serviceName: 'main', timestamp: i });
  session.addReconnect('device stopped answering');
  t.mock.timers.tick(49);
  assert.equal(batches.length, 0, 'nothing before the batch interval');
  t.mock.timers.tick(1);
  assert.equal(batches.length, 1, 'one message for a burst of 1,001 entries');
  assert.equal(batches[0]!.length, 100, 'a batch holds at most the panel capacity');
  assert.equal(batches[0]!.at(-1)!.kind, 'reconnect');
  assert.equal(session.buffer.size, 100);
  assert.equal(session.buffer.entries()[0]!.message, 'line 902');
  session.clear();
  assert.equal(session.buffer.size, 0);
  session.dispose();
});
