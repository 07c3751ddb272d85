import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLoopback, nextFreeAddress, parseIPv4 } from '../../../extension/simulators/addresses.js';

test('the next free address skips the ones in use and stays within the /24', () => {
  assert.equal(nextFreeAddress('127.0.30.10', new Set()), '127.0.30.10');
  assert.equal(nextFreeAddress('127.0.30.10', new Set(['127.0.30.10', '127.0.30.11'])), '127.0.30.12');
  assert.equal(nextFreeAddress('127.0.30.254', new Set(['127.0.30.254'])), undefined);
});

test('only well-formed IPv4 addresses parse; simulated devices need loopback', () => {
  assert.deepEqual(parseIPv4('127.0.0.2'), [127, 0, 0, 2]);
  assert.equal(parseIPv4('127.0.0.256'), undefined);
  assert.equal(parseIPv4('localhost'), undefined);
  assert.equal(isLoopback('127.1.2.3'), true);
  assert.equal(isLoopback('192.168.1.2'), false);
});
