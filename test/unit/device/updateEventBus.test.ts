// The device's update events (simulator/device/updateEventBus.ts) and their wire schema (simulator/shared/updateEvents.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseUpdateEvent } from '../../../simulator/shared/updateEvents.js';
import { UpdateEventBus } from '../../../simulator/device/updateEventBus.js';

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
