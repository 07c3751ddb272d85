import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeviceRecord } from '../../../extension/devices/deviceRecord.js';
import { addressFromArg, serviceFromArg } from '../../../extension/commands/commandArgs.js';
import { deviceNode, deviceNodes, rootNodes, serviceIcon, serviceNodes } from '../../../extension/tree/treeModel.js';

const sim: DeviceRecord = {
  address: '127.0.30.2',
  name: 'sim-127.0.30.2',
  source: 'simulated',
  online: true,
  deviceType: 'genericx86-64-ext',
  arch: 'amd64',
  supervisorVersion: '14.11.4',
  release: 'abc',
  services: [
    { name: 'main', status: 'Running' },
    { name: 'worker', status: 'exited' },
  ],
};
const lan: DeviceRecord = {
  address: '192.168.1.9',
  name: 'balena-pi',
  source: 'mdns',
  online: false,
  error: 'no answer in time',
  services: [{ name: 'main', status: 'Running' }],
};

test('no devices: no groups, so the welcome view shows', () => {
  assert.deepEqual(rootNodes([]), []);
});

test('groups appear only for sources that have devices, in a fixed order, with counts', () => {
  const groups = rootNodes([sim, lan]);
  assert.deepEqual(
    groups.map((g) => [g.label, g.description]),
    [
      ['Local Network', '1'],
      ['Simulated Devices', '1'],
    ],
  );
});

test('devices sort by address numerically within their group', () => {
  const a = { ...sim, address: '127.0.30.10', name: 'b' };
  const b = { ...sim, address: '127.0.30.9', name: 'a' };
  assert.deepEqual(
    deviceNodes([a, b], 'simulated').map((d) => d.address),
    ['127.0.30.9', '127.0.30.10'],
  );
});

test('an online device shows its state and type; its context value enables the right menu items', () => {
  const n = deviceNode(sim);
  assert.match(n.description ?? '', /online · genericx86-64-ext/);
  assert.equal(n.contextValue, 'device.simulated');
  assert.equal(n.icon?.id, 'vm-active');
  assert.match(n.tooltip ?? '', /Supervisor: 14\.11\.4/);
  assert.match(n.tooltip ?? '', /Link rate: unthrottled/);
});

test('an offline device says so, with the reason in the tooltip, and its services are marked last known', () => {
  const n = deviceNode(lan);
  assert.match(n.description ?? '', /192\.168\.1\.9 · offline/);
  assert.match(n.tooltip ?? '', /offline \(no answer in time\)/);
  assert.equal(serviceNodes(lan)[0]?.description, 'Running (last known)');
});

test('services carry state icons and running/stopped context values', () => {
  const [main, worker] = serviceNodes(sim);
  assert.equal(main?.kind, 'service');
  assert.equal(main?.contextValue, 'service.running');
  assert.equal(worker?.contextValue, 'service.stopped');
  assert.equal(serviceIcon('Running').id, 'pass-filled');
  assert.equal(serviceIcon('Downloading').id, 'sync~spin');
  assert.equal(serviceIcon('exited').id, 'circle-slash');
  assert.equal(serviceIcon('Aborted').id, 'error');
  assert.equal(serviceIcon('Dead').id, 'error', 'dead is failed, as phaseOfServiceState says for the CLI and the dashboard');
  assert.equal(serviceIcon('Restarting (exit 3, 2 restarts)').id, 'circle-slash', 'its process ended: exited, as the push report says');
  assert.equal(serviceIcon('Running (unhealthy)').id, 'warning');
  assert.equal(serviceIcon('Handing over').id, 'sync~spin');
});

test('a device without services says what to do instead of showing nothing', () => {
  const [info] = serviceNodes({ ...sim, services: [] });
  assert.equal(info?.kind, 'info');
  assert.match(info?.label ?? '', /push a project/);
});

test('commands take a tree node, an address, or nothing', () => {
  const node = serviceNodes(sim)[0]!;
  assert.equal(addressFromArg(node), '127.0.30.2');
  assert.equal(serviceFromArg(node), 'main');
  assert.equal(addressFromArg(deviceNode(sim)), '127.0.30.2');
  assert.equal(serviceFromArg(deviceNode(sim)), undefined);
  assert.equal(addressFromArg('10.0.0.1'), '10.0.0.1');
  assert.equal(addressFromArg(''), undefined);
  assert.equal(addressFromArg(undefined), undefined);
  assert.equal(addressFromArg({ address: 42 }), undefined);
});

test('a booting board shows its boot phase rather than offline', () => {
  const board: DeviceRecord = {
    address: '127.0.30.31',
    name: 'board-127-0-30-31',
    source: 'board',
    online: false,
    bootPhase: 'kernel',
    services: [],
  };
  const n = deviceNode(board);
  assert.match(n.description ?? '', /kernel/);
  assert.equal(n.icon?.id, 'loading~spin');
  assert.equal(n.contextValue, 'device.board');
  assert.equal(serviceNodes(board)[0]?.label, 'Booting: kernel');
});
