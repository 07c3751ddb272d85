// Device addresses as the CLI and the extension take them: host, host:port, [v6]:port, bare v6.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDeviceAddress, parseDeviceAddress } from '../../../simulator/push/deviceAddress.js';

test('device addresses: host, host:port, [v6]:port, bare v6', () => {
  assert.deepEqual(parseDeviceAddress('10.0.0.2'), { host: '10.0.0.2', supervisorPort: 48484 });
  assert.deepEqual(parseDeviceAddress('localhost:4848'), { host: 'localhost', supervisorPort: 4848 });
  assert.deepEqual(parseDeviceAddress('[::1]:9000'), { host: '::1', supervisorPort: 9000 });
  assert.deepEqual(parseDeviceAddress('fe80::1'), { host: 'fe80::1', supervisorPort: 48484 });
  assert.equal(formatDeviceAddress({ host: '::1', supervisorPort: 9000 }), '[::1]:9000');
  assert.throws(() => parseDeviceAddress('host:99999'), /port/);
  assert.throws(() => parseDeviceAddress('http://x'), /not a device address/);
});
