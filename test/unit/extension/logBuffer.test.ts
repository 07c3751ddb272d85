import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Batcher, type Timer } from '../../../extension/webviews/batcher.js';
import { LogBuffer } from '../../../extension/logs/logBuffer.js';

test('the buffer keeps the newest lines up to its capacity, oldest first, with increasing sequence numbers', () => {
  const b = new LogBuffer(3);
  for (let i = 1; i <= 5; i++) b.pushLine({ message: `line ${i}`, serviceName: 'main', timestamp: i });
  const e = b.entries();
  assert.deepEqual(
    e.map((x) => x.message),
    ['line 3', 'line 4', 'line 5'],
  );
  assert.deepEqual(
    e.map((x) => x.seq),
    [3, 4, 5],
  );
  assert.equal(b.size, 3);
});

test('system lines, stderr and reconnect markers are told apart', () => {
  const b = new LogBuffer(10);
  b.pushLine({ message: 'Streaming logs', isSystem: true });
  b.pushLine({ message: 'oops', serviceName: 'main', isStdErr: true });
  b.pushReconnect('device stopped answering', 42);
  b.pushLine({ message: 'no service name' });
  const [sys, err, rec, anon] = b.entries();
  assert.equal(sys?.kind, 'system');
  assert.equal(err?.kind, 'line');
  assert.equal(err?.stderr, true);
  assert.equal(err?.service, 'main');
  assert.equal(rec?.kind, 'reconnect');
  assert.equal(rec?.timestamp, 42);
  assert.equal(anon?.kind, 'system');
});

test('resizing keeps the newest entries; clear empties without reusing sequence numbers', () => {
  const b = new LogBuffer(5);
  for (let i = 1; i <= 5; i++) b.pushLine({ message: String(i), serviceName: 's' });
  b.resize(2);
  assert.deepEqual(
    b.entries().map((e) => e.message),
    ['4', '5'],
  );
  b.pushLine({ message: '6', serviceName: 's' });
  assert.deepEqual(
    b.entries().map((e) => e.message),
    ['5', '6'],
  );
  b.clear();
  assert.equal(b.size, 0);
  assert.equal(b.pushLine({ message: '7', serviceName: 's' }).seq, 7);
});

test('memory stays bounded at 100,000 lines through a 5,000-line buffer', () => {
  const b = new LogBuffer(5000);
  for (let i = 0; i < 100_000; i++) b.pushLine({ message: `m${i}`, serviceName: 'main', timestamp: i });
  assert.equal(b.size, 5000);
  assert.equal(b.entries()[0]?.message, 'm95000');
});

class ManualTimer implements Timer {
  fns: (() => void)[] = [];
  set(fn: () => void): unknown {
    this.fns.push(fn);
    return this.fns.length;
  }
  clear(): void {
    this.fns = [];
  }
  tick(): void {
    const f = this.fns;
    this.fns = [];
    f.forEach((x) => x());
  }
}

test('the batcher hands over many items as one batch per interval, keeping only the newest beyond its limit', () => {
  const timer = new ManualTimer();
  const batches: { items: number[]; dropped: number }[] = [];
  const b = new Batcher<number>((items, dropped) => batches.push({ items, dropped }), 50, 1000, timer);
  for (let i = 0; i < 10_000; i++) b.add(i);
  assert.equal(batches.length, 0, 'nothing is sent before the interval ends');
  assert.equal(timer.fns.length, 1, 'one timer for the whole burst');
  timer.tick();
  assert.equal(batches.length, 1);
  assert.equal(batches[0]?.items.length, 1000);
  assert.equal(batches[0]?.items[0], 9000);
  assert.equal(batches[0]?.dropped, 9000);
  b.add(1);
  b.flush();
  assert.deepEqual(batches[1], { items: [1], dropped: 0 });
});

test('a line that marks lost lines becomes a gap entry (the panel always shows those)', () => {
  const b = new LogBuffer(10);
  assert.equal(b.pushLine({ message: '5 log lines dropped (slow reader)', isSystem: true, gap: true }, 1).kind, 'gap');
  const skipped = b.pushLine({ message: 'log lines from … skipped', serviceName: 'main', gap: true }, 2);
  assert.deepEqual([skipped.kind, skipped.service], ['gap', 'main']);
});
