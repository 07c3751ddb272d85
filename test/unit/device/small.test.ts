import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { parseRate, Link } from '../../../simulator/device/link.js';
import { checkBindAllowed } from '../../../simulator/device/bindPolicy.js';
import { parseContentRange } from '../../../simulator/device/deltaReceive.js';
import { parseUpdateEvent } from '../../../simulator/shared/updateEvents.js';
import { UpdateEventBus } from '../../../simulator/device/updateEventBus.js';
import { LogHub } from '../../../simulator/device/logHub.js';
import { splitCommand } from '../../../simulator/device/containerSpec.js';
import { EdgePushError } from '../../../simulator/shared/errors.js';

test('link rates use tc units', () => {
  assert.equal(parseRate('1mbit'), 125000);
  assert.equal(parseRate('256kbit'), 32000);
  assert.equal(parseRate('500kbps'), 500000);
  assert.equal(parseRate('100'), 100);
  for (const bad of ['', 'fast', '-1mbit', '0', '1 furlong'])
    assert.throws(
      () => parseRate(bad),
      (e) => EdgePushError.is(e, 'invalid-input'),
      bad,
    );
});

test('the link counts what passes through it', async () => {
  const link = new Link();
  const src = new PassThrough();
  const t = link.inbound();
  let got = 0;
  src.pipe(t).pipe(new Writable({ write: (c: Buffer, _e, cb) => ((got += c.length), cb()) }));
  src.end(Buffer.alloc(70000));
  await new Promise((r) => t.on('end', r));
  assert.equal(got, 70000);
  assert.equal(link.receivedBytes, 70000);
});

test('binding: loopback is fine, anything else needs a key or --local-mode-open', () => {
  checkBindAllowed('127.0.10.9', {});
  checkBindAllowed('::1', {});
  assert.throws(() => checkBindAllowed('0.0.0.0', {}), /--api-key KEY or --local-mode-open/);
  checkBindAllowed('0.0.0.0', { apiKey: 'k' });
  checkBindAllowed('0.0.0.0', { localModeOpen: true });
  assert.throws(() => checkBindAllowed('my-host', {}), /must be an IP address/);
});

test('Content-Range parsing', () => {
  assert.deepEqual(parseContentRange('bytes 0-99/1000'), { start: 0, total: 1000 });
  assert.deepEqual(parseContentRange('bytes 500-999/1000'), { start: 500, total: 1000 });
  assert.equal(parseContentRange('items 1-2/3'), undefined);
  assert.equal(parseContentRange(undefined), undefined);
});

test('update events: the bus stamps time, keeps the latest per service; the schema parses the wire form', () => {
  const bus = new UpdateEventBus();
  const seen: unknown[] = [];
  const off = bus.subscribe((e) => seen.push(e));
  bus.emit({ type: 'service', appId: 1, serviceName: 'main', phase: 'installing', release: 'c1' });
  bus.emit({ type: 'service', appId: 1, serviceName: 'main', phase: 'running', release: 'c1' });
  off();
  bus.emit({ type: 'device', state: 'applied', release: 'c1', bytesReceived: 10 });
  assert.equal(seen.length, 2);
  const snap = bus.snapshot();
  assert.deepEqual(
    snap.map((e) => (e.type === 'service' ? e.phase : e.type === 'device' ? e.state : e.kind)),
    ['running', 'applied'],
  );
  const parsed = parseUpdateEvent(JSON.stringify(snap[0]));
  assert.equal(parsed.type, 'service');
  assert.throws(() => parseUpdateEvent('{"type":"service","phase":"dancing"}'));
});

test('a log follower that never reads loses lines instead of stalling the others', () => {
  const hub = new LogHub();
  class FakeResponse extends EventEmitter {
    readonly written: string[] = [];
    constructor(private readonly unread: boolean) {
      super();
    }
    get writableLength(): number {
      return this.unread ? this.written.join('').length : 0;
    }
    writeHead(): this {
      return this;
    }
    write(chunk: string): boolean {
      this.written.push(chunk);
      return true;
    }
    end(): void {}
  }
  const fake = (unread: boolean) => {
    const res = new FakeResponse(unread);
    return { res: res as unknown as ServerResponse, written: res.written };
  };
  const slow = fake(true);
  const fast = fake(false);
  hub.follow(slow.res, []);
  hub.follow(fast.res, []);
  const line = 'x'.repeat(1000);
  for (let i = 0; i < 3000; i++) hub.system(line);
  assert.equal(fast.written.length, 3001);
  assert.ok(slow.written.length < 1200, `slow follower buffered ${slow.written.length} lines`);
  assert.equal(hub.since(0).length, 2000);
});

test('compose command strings split like a shell word list', () => {
  assert.deepEqual(splitCommand(`sh -c 'echo hi there' "x y"`), ['sh', '-c', 'echo hi there', 'x y']);
});
