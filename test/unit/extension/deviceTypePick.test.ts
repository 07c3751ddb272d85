import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  boardTypeItems,
  defaultBoardType,
  defaultDeviceType,
  deviceTypeItems,
  projectDeviceType,
} from '../../../extension/simulators/deviceTypePick.js';
import { deviceNode } from '../../../extension/tree/treeModel.js';

test("the project's device type: balena.yml first, then Dockerfile.<type>, then Dockerfile.<arch>", () => {
  assert.equal(
    projectDeviceType(['Dockerfile.template', 'balena.yml'], 'name: x\ndata:\n  defaultDeviceType: raspberrypi3\n'),
    'raspberrypi3',
  );
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
  assert.deepEqual(items[0], {
    label: 'Raspberry Pi 4 (using 64bit OS)',
    description: 'raspberrypi4-64 · aarch64',
    slug: 'raspberrypi4-64',
    picked: true,
  });
  assert.equal(items.filter((i) => i.picked).length, 1);
  assert.ok(items.some((i) => i.slug === 'beaglebone-black' && i.description.endsWith('armv7hf')));
});

test('the tree shows an online device with its type and architecture', () => {
  const n = deviceNode({
    address: '127.0.0.5',
    name: 'pi',
    source: 'simulated',
    online: true,
    deviceType: 'raspberrypi4-64',
    arch: 'aarch64',
  } as Parameters<typeof deviceNode>[0]);
  assert.match(n.description ?? '', /online · raspberrypi4-64 \(aarch64\)/);
});

test('Start QEMU Board offers the types a board can be: x86_64 and aarch64 ones, each with its board', () => {
  const items = boardTypeItems(defaultBoardType('x86_64', 'raspberrypi3'));
  assert.equal(items[0]!.slug, 'genericx86-64-ext', 'an armv7 project falls back to the setting');
  assert.ok(items.every((i) => !i.description.endsWith('armv7hf') && !i.description.endsWith('rpi')));
  assert.equal(items.find((i) => i.slug === 'raspberrypi4-64')?.board, 'aarch64');
  assert.equal(items.find((i) => i.slug === 'intel-nuc')?.board, 'x86_64');
  assert.equal(defaultBoardType('aarch64', undefined), 'raspberrypi4-64');
  assert.equal(defaultBoardType('x86_64', 'jetson-nano'), 'jetson-nano');
});
