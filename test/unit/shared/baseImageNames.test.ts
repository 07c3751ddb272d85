// Plain edgepush-base names resolve to the device arch; other FROMs are left alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { archBaseImage, archBaseNames, baseImagesNamed, parseBaseImage } from '../../../simulator/shared/baseImageNames.js';

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
