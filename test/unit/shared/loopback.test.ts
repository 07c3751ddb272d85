// Loopback addresses as the device's bind policy, the registry client and the extension tell them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLoopback } from '../../../simulator/shared/loopback.js';

test('localhost, ::1 and 127.0.0.0/8 are loopback; nothing else is', () => {
  for (const a of ['localhost', '::1', '127.0.0.1', '127.1.2.3', '127.255.255.255']) assert.equal(isLoopback(a), true, a);
  for (const a of ['0.0.0.0', '10.0.0.2', '127.0.0.256', '127.1', '128.0.0.1', '::', 'localhost.example', ' 127.0.0.1'])
    assert.equal(isLoopback(a), false, a);
});
