import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeviceStore } from '../../../extension/devices/deviceStore.js';
import { servicesOf } from '../../../extension/devices/deviceMonitor.js';

test('one record per address; a simulated device outranks the same address found on the network', () => {
  const s = new DeviceStore();
  s.add('127.0.30.3', 'mdns', 'lan-name');
  s.add('127.0.30.3', 'simulated', 'sim');
  s.add('127.0.30.3', 'manual');
  assert.equal(s.all().length, 1);
  assert.equal(s.get('127.0.30.3')?.source, 'simulated');
  assert.equal(s.get('127.0.30.3')?.name, 'sim');
});

test('updates fire a change only when something changed', () => {
  const s = new DeviceStore();
  s.add('127.0.30.4', 'manual');
  let fired = 0;
  s.onDidChange(() => fired++);
  s.update('127.0.30.4', { online: true });
  s.update('127.0.30.4', { online: true });
  s.update('127.0.30.4', { online: false });
  assert.equal(fired, 2);
  assert.equal(s.remove('127.0.30.4'), true);
  assert.equal(fired, 3);
  assert.equal(s.get('127.0.30.4'), undefined);
});

test('services come from containers, plus images still arriving for services without a container', () => {
  const services = servicesOf({
    status: 'success',
    appState: 'applying',
    containers: [{ status: 'Running', serviceName: 'main' }],
    images: [
      { name: 'a', serviceName: 'main', status: 'Downloaded' },
      { name: 'b', serviceName: 'worker', status: 'Downloading' },
      { name: 'c', serviceName: 'old', status: 'Deleting' },
    ],
  });
  assert.deepEqual(services, [
    { name: 'main', status: 'Running' },
    { name: 'worker', status: 'Downloading' },
  ]);
});
