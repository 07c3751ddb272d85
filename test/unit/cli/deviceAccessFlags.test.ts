// The device access flags: --api-key (else EDGEPUSH_API_KEY) and --engine-port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deviceAccessOf } from '../../../simulator/cli/deviceAccessFlags.js';

test('--api-key, else EDGEPUSH_API_KEY; --engine-port checked', () => {
  const args = (values: Record<string, string>) => ({ values, positionals: [] });
  assert.deepEqual(deviceAccessOf(args({}), { EDGEPUSH_API_KEY: 'k1' }), { apiKey: 'k1' });
  assert.deepEqual(deviceAccessOf(args({ 'api-key': 'k2' }), { EDGEPUSH_API_KEY: 'k1' }), { apiKey: 'k2' });
  assert.deepEqual(deviceAccessOf(args({ 'engine-port': '12375' }), {}), { enginePort: 12375 });
  assert.throws(() => deviceAccessOf(args({ 'engine-port': 'x' }), {}), /--engine-port/);
});
