import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultDeviceType, deviceTypeItems, projectDeviceType } from '../../../extension/simulators/deviceTypePick.js';
import { deviceNode } from '../../../extension/tree/treeModel.js';

test("the project's device type: balena.yml first, then Dockerfile.<type>, then Dockerfile.<arch>", () => {
  assert.equal(projectDeviceType(['Dockerfile.template', 'balena.yml'], 'name: x\ndata:\n  defaultDeviceType: raspberrypi3\n'), 'raspberrypi3');
  assert.equal(projectDeviceType(['Dockerfile', 'Dockerfile.raspberrypi5']), 'raspberrypi5');
  assert.equal(projectDeviceType(['Dockerfile.aarch64']), 'raspberrypi4-64');
  assert.equal(projectDeviceType(['Dockerfile.armv7hf']), 'raspberrypi3');
  assert.equal(projectDeviceType(['Dockerfile', 'Dockerfile.template']), undefined);
  assert.equal(projectDeviceType([], 'data:\n  defaultDeviceType: nope\n'), undefined);
});

test('the quick pick offers the setting, else the project type, else x86, first and picked', () => {
  assert.equal(defaultDeviceType('jetson-nano', 'raspberrypi3'), 'jetson-nano');
  assert.equal(defaultDeviceType('', 'raspberrypi3'), 'raspberrypi3');
  assert.equal(defaultDeviceType('', undefined), 'genericx86-64-ext');
  const items = deviceTypeItems('raspberrypi4-64');
  assert.deepEqual(items[0], { label: 'Raspberry Pi 4 (using 64bit OS)', description: 'raspberrypi4-64 · aarch64', slug: 'raspberrypi4-64', picked: true });
  assert.equal(items.filter((i) => i.picked).length, 1);
  assert.ok(items.some((i) => i.slug === 'beaglebone-black' && i.description.endsWith('armv7hf')));
});

test('the tree shows an online device with its type and architecture', () => {
  const n = deviceNode({ address: '127.0.0.5', name: 'pi', source: 'simulated', online: true, deviceType: 'raspberrypi4-64', arch: 'aarch64' } as Parameters<typeof deviceNode>[0]);
  assert.match(n.description ?? '', /online · raspberrypi4-64 \(aarch64\)/);
});
