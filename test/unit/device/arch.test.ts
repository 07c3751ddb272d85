import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ARCH_INFO, DEVICE_TYPES, deviceTypeOf, resolveDeviceType } from '../../../simulator/shared/deviceTypes.js';
import { archBaseImage, archBaseNames, baseImagesNamed, parseBaseImage } from '../../../simulator/shared/baseImageNames.js';
import { emulationState, handlerUsable } from '../../../simulator/device/emulation.js';
import { debFileNames, parseDependsClosure } from '../../../simulator/shared/debPackages.js';
import { platformOf, resolveTemplate, selectDockerfile } from '../../../simulator/push/project/dockerfile.js';
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

test('platforms as the balena CLI maps them; templates and variants follow the table', () => {
  assert.equal(platformOf('aarch64'), 'linux/arm64/v8');
  assert.equal(platformOf('armv7hf'), 'linux/arm/v7');
  assert.equal(platformOf('rpi'), 'linux/arm/v6');
  assert.equal(platformOf('amd64'), 'linux/amd64');
  assert.equal(platformOf('sparc'), undefined);
  const t = resolveDeviceType('raspberrypi3', undefined);
  assert.equal(selectDockerfile(['Dockerfile.armv7hf', 'Dockerfile.template'], t.deviceType, t.arch)?.file, 'Dockerfile.armv7hf');
  assert.equal(
    resolveTemplate('FROM edgepush-base/%%BALENA_ARCH%%-busybox\nENV T=%%BALENA_MACHINE_NAME%%', {
      ...t,
      serviceName: 'main',
      appName: 'a',
      releaseHash: 'r',
    }),
    'FROM edgepush-base/armv7hf-busybox\nENV T=raspberrypi3',
  );
});

test('plain base image names resolve to the device arch; other FROMs are left alone', () => {
  assert.equal(archBaseImage('aarch64', 'node'), 'edgepush-base/aarch64-node:latest');
  assert.deepEqual(parseBaseImage('edgepush-base/busybox', 'rpi'), {
    arch: 'rpi',
    kind: 'busybox',
    name: 'edgepush-base/rpi-busybox:latest',
  });
  assert.deepEqual(parseBaseImage('edgepush-base/aarch64-node:latest', 'amd64'), {
    arch: 'aarch64',
    kind: 'node',
    name: 'edgepush-base/aarch64-node:latest',
  });
  assert.equal(parseBaseImage('debian:bookworm', 'amd64'), undefined);
  const df =
    'FROM edgepush-base/node AS build\nRUN true\nFROM --platform=linux/arm64 edgepush-base/busybox:latest\nFROM debian\n#FROM edgepush-base/node';
  const out = archBaseNames(df, 'aarch64');
  assert.equal(
    out,
    'FROM edgepush-base/aarch64-node:latest AS build\nRUN true\nFROM --platform=linux/arm64 edgepush-base/aarch64-busybox:latest\nFROM debian\n#FROM edgepush-base/node',
  );
  assert.equal(archBaseNames(df, 'amd64'), df, 'on amd64 the plain images are the amd64 ones');
  assert.deepEqual(
    baseImagesNamed(out, 'aarch64').map((b) => b.name),
    ['edgepush-base/aarch64-node:latest', 'edgepush-base/aarch64-busybox:latest'],
  );
});

test('binfmt handlers: registered, enabled and with the F flag, or a reason', () => {
  assert.deepEqual(handlerUsable('enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: PF\n'), { ok: true });
  assert.match(handlerUsable('disabled\nflags: PF\n').why!, /disabled/);
  assert.match(handlerUsable('enabled\nflags: P\n').why!, /F flag/);
  const files = (m: Record<string, string>) => (p: string) => m[p];
  assert.deepEqual(emulationState('amd64', files({}), 'amd64'), { ok: true, native: true });
  assert.deepEqual(
    emulationState(
      'aarch64',
      files({ '/proc/sys/fs/binfmt_misc/status': 'enabled', '/proc/sys/fs/binfmt_misc/qemu-aarch64': 'enabled\nflags: PF' }),
      'amd64',
    ),
    { ok: true, native: false },
  );
  const missing = emulationState('armv7hf', files({ '/proc/sys/fs/binfmt_misc/status': 'enabled' }), 'amd64');
  assert.ok(!missing.ok && /qemu-arm binfmt handler is not registered/.test(missing.reason));
  const unmounted = emulationState('aarch64', files({}), 'amd64');
  assert.ok(!unmounted.ok && /not mounted/.test(unmounted.reason));
});

test("Debian package names from apt's output", () => {
  const depends = 'nodejs\n  Depends: libnode108\n |Depends: <nodejs:any>\nlibnode108\n  Depends: libc6\n<nodejs:any>\nlibc6\n';
  assert.deepEqual(parseDependsClosure(depends), ['libc6', 'libnode108', 'nodejs']);
  const show =
    'Package: busybox-static\nVersion: 1:1.35.0-4+deb12u1+b1\nArchitecture: arm64\nFilename: pool/x.deb\n\nPackage: libc6\nVersion: 2.36-9+deb12u10\nArchitecture: arm64\n';
  assert.deepEqual(debFileNames(show, ['libc6', 'busybox-static', 'nope']), [
    'libc6_2.36-9+deb12u10_arm64.deb',
    'busybox-static_1%3a1.35.0-4+deb12u1+b1_arm64.deb',
    undefined,
  ]);
});
