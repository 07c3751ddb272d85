// The table of balena device types: each type its arch, --arch overriding, an unknown type needing --arch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ARCH_INFO, DEVICE_TYPES, deviceTypeOf, resolveDeviceType } from '../../../simulator/shared/deviceTypes.js';
import { EdgePushError } from '../../../simulator/shared/errors.js';

test('the device types the issue names have their balena arch', () => {
  const want: Record<string, string> = {
    'raspberrypi4-64': 'aarch64',
    raspberrypi5: 'aarch64',
    'raspberrypi0-2w-64': 'aarch64',
    'generic-aarch64': 'aarch64',
    'jetson-nano': 'aarch64',
    raspberrypi3: 'armv7hf',
    'beaglebone-black': 'armv7hf',
    'raspberry-pi': 'rpi',
    'genericx86-64-ext': 'amd64',
    'intel-nuc': 'amd64',
  };
  for (const [slug, arch] of Object.entries(want)) assert.equal(deviceTypeOf(slug)?.arch, arch, slug);
  assert.equal(new Set(DEVICE_TYPES.map((t) => t.slug)).size, DEVICE_TYPES.length, 'slugs are unique');
  for (const t of DEVICE_TYPES) assert.ok(t.name.length > 3 && ARCH_INFO[t.arch], t.slug);
});

test('a device takes its arch from its type; --arch overrides; an unknown type needs --arch', () => {
  assert.deepEqual(resolveDeviceType(undefined, undefined, 'amd64'), { deviceType: 'genericx86-64-ext', arch: 'amd64' });
  assert.deepEqual(resolveDeviceType(undefined, undefined, 'aarch64'), { deviceType: 'generic-aarch64', arch: 'aarch64' });
  assert.deepEqual(resolveDeviceType('raspberrypi4-64', undefined), { deviceType: 'raspberrypi4-64', arch: 'aarch64' });
  assert.deepEqual(resolveDeviceType('raspberrypi3', 'aarch64'), { deviceType: 'raspberrypi3', arch: 'aarch64' });
  assert.deepEqual(resolveDeviceType('my-board', 'armv7hf'), { deviceType: 'my-board', arch: 'armv7hf' });
  assert.throws(
    () => resolveDeviceType('my-board', undefined),
    (e) => EdgePushError.is(e, 'invalid-input') && /raspberrypi4-64/.test(e.message),
  );
  assert.throws(
    () => resolveDeviceType('raspberrypi3', 'arm64'),
    (e) => EdgePushError.is(e, 'invalid-input') && /aarch64/.test(e.message),
  );
});
