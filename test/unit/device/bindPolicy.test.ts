// Which addresses a device may listen on without an API key (simulator/device/bindPolicy.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkBindAllowed } from '../../../simulator/device/bindPolicy.js';

test('binding: loopback is fine, anything else needs a key or --local-mode-open', () => {
  checkBindAllowed('127.0.10.9', {});
  checkBindAllowed('::1', {});
  assert.throws(() => checkBindAllowed('0.0.0.0', {}), /--api-key KEY or --local-mode-open/);
  checkBindAllowed('0.0.0.0', { apiKey: 'k' });
  checkBindAllowed('0.0.0.0', { localModeOpen: true });
  assert.throws(() => checkBindAllowed('my-host', {}), /must be an IP address/);
});
