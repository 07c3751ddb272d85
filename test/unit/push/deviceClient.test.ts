// One client per device: a view with another call timeout keeps the device's API key and ports and shares its
// engine connection (no device needed: nothing here makes a call).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeviceClient } from '../../../simulator/push/deviceClient.js';

test('withTimeout: same device, key and engine connection; the same client when the timeout is its own', () => {
  const client = new DeviceClient('127.0.0.9:4848', { timeoutMs: 3000, apiKey: 'k', enginePort: 2376 });
  const slow = client.withTimeout(10_000);
  assert.equal(client.withTimeout(3000), client);
  assert.equal(slow.timeoutMs, 10_000);
  assert.equal(slow.supervisorUrl, 'http://127.0.0.9:4848');
  assert.equal(slow.enginePort, 2376);
  assert.deepEqual(slow.authHeaders(), { authorization: 'Bearer k' });
  assert.equal(slow.engine(), client.engine(), 'one engine connection per device');
});
