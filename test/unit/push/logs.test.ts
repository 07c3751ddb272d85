// Log lines across reconnects: nothing twice, nothing lost; the follower reconnects on its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogDeduper } from '../../../simulator/push/logDedup.js';
import { followLogStream, parseLogLine, wantedLine } from '../../../simulator/push/logFollow.js';
import type { DeviceLogLine } from '../../../simulator/push/types.js';

const line = (ts: number, message: string, serviceName = 'main'): DeviceLogLine => ({
  timestamp: ts,
  message,
  serviceName,
  serviceId: 1,
  isStdErr: false,
});

test('a replayed backlog after a reconnect is not delivered again; new lines are', () => {
  const d = new LogDeduper();
  d.newConnection();
  const first = [line(1, 'a'), line(2, 'b'), line(3, 'c')];
  assert.deepEqual(
    first.map((l) => d.accept(l)),
    [true, true, true],
  );
  d.newConnection();
  const replay = [line(2, 'b'), line(3, 'c'), line(4, 'd')];
  assert.deepEqual(
    replay.map((l) => d.accept(l)),
    [false, false, true],
  );
});

test('the same text twice in one millisecond is two lines, also across a reconnect', () => {
  const d = new LogDeduper();
  d.newConnection();
  assert.equal(d.accept(line(5, 'tick')), true);
  assert.equal(d.accept(line(5, 'tick')), true);
  d.newConnection();
  assert.equal(d.accept(line(5, 'tick')), false);
  assert.equal(d.accept(line(5, 'tick')), false);
  assert.equal(d.accept(line(5, 'tick')), true, 'a third occurrence is new');
});

test('the "Streaming logs" greeting is shown once', () => {
  const d = new LogDeduper();
  d.newConnection();
  assert.equal(d.accept({ message: 'Streaming logs', isSystem: true }), true);
  d.newConnection();
  assert.equal(d.accept({ message: 'Streaming logs', isSystem: true }), false);
});

test('filters: services and system lines', () => {
  const sys: DeviceLogLine = { message: 'Installing', isSystem: true };
  assert.equal(wantedLine(line(1, 'x', 'web'), undefined, true), true);
  assert.equal(wantedLine(line(1, 'x', 'web'), ['main'], true), false);
  assert.equal(wantedLine(line(1, 'x', 'web'), [], true), false);
  assert.equal(wantedLine(sys, ['main'], false), false);
  assert.equal(wantedLine(sys, [], true), true);
  // a notice of lost lines passes every filter: with --service set, the loss is still said
  assert.equal(wantedLine({ message: '300 log lines dropped (slow reader)', isSystem: true, gap: true }, ['main'], false), true);
  assert.equal(wantedLine({ message: 'log lines from … skipped', serviceName: 'web', gap: true }, ['main'], false), true);
  assert.equal(parseLogLine('not json'), undefined);
  assert.deepEqual(parseLogLine('{"message":"m","serviceName":"a","timestamp":3}'), { message: 'm', serviceName: 'a', timestamp: 3 });
});

/** A fake device: each connection serves some lines, then drops; it replays from `since`. */
function fakeDevice(all: DeviceLogLine[], perConnection: number) {
  let served = 0;
  const sinces: Array<number | undefined> = [];
  return {
    host: 'fake',
    sinces,
    async ping() {},
    async openLogStream(_signal: AbortSignal, since?: number) {
      sinces.push(since);
      const from = since === undefined ? 0 : all.findIndex((l) => (l.timestamp ?? 0) >= since);
      const start = from < 0 ? all.length : from;
      const end = Math.min(all.length, Math.max(served, start) + perConnection);
      served = end;
      const body = all
        .slice(start, end)
        .map((l) => `${JSON.stringify(l)}\n`)
        .join('');
      // split mid-line to exercise re-assembly
      const half = Math.floor(body.length / 2);
      return new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new TextEncoder().encode(body.slice(0, half)));
          c.enqueue(new TextEncoder().encode(body.slice(half)));
          c.close();
        },
      });
    },
  };
}

test('follower: drops and replays are invisible; every line arrives exactly once, in order', async () => {
  const all = Array.from({ length: 20 }, (_, i) => line(1000 + i, `line ${i}`));
  const dev = fakeDevice(all, 7);
  const got: string[] = [];
  let reconnects = 0;
  const stop = new AbortController();
  await followLogStream(dev, {
    signal: stop.signal,
    onLine: (l) => {
      got.push(l.message);
      if (got.length === all.length) stop.abort();
    },
    onReconnect: () => reconnects++,
  });
  assert.deepEqual(
    got,
    all.map((l) => l.message),
  );
  assert.ok(reconnects >= 2, `expected reconnects, got ${reconnects}`);
  assert.equal(dev.sinces[0], undefined);
  assert.equal(dev.sinces[1], 1006, 'reconnects ask for lines since the last one seen');
});
