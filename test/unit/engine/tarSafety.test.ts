// Hostile tar entries are refused wherever the engine reads tars: in image archives and in rebuilt layers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { assertSafeTarEntry } from '../../../simulator/engine/tarSafety.js';
import { readImageArchive } from '../../../simulator/engine/imageArchive.js';
import { createImageDelta } from '../../../simulator/engine/imageDelta.js';
import { applyImageDelta } from '../../../simulator/engine/imageDeltaApply.js';
import { EdgePushError } from '../../../simulator/shared/errors.js';
import { makeImage, makeTar, type TarSpec } from './fixtures.js';

const hostile: [string, TarSpec[number]][] = [
  ['parent path', { name: '../etc/passwd', data: 'x' }],
  ['nested parent path', { name: 'app/../../etc/passwd', data: 'x' }],
  ['absolute path', { name: '/etc/passwd', data: 'x' }],
  ['symlink escaping the root', { name: 'app/link', type: 'symlink', linkname: '../../../etc' }],
  ['hard link escaping the root', { name: 'app/hard', type: 'link', linkname: '../etc/shadow' }],
  ['absolute hard link', { name: 'app/hard', type: 'link', linkname: '/etc/shadow' }],
  ['character device', { name: 'dev/mem', type: 'character-device' }],
  ['block device', { name: 'dev/sda', type: 'block-device' }],
  ['fifo', { name: 'app/pipe', type: 'fifo' }],
];

test('each hostile entry kind is refused, ordinary entries pass', () => {
  for (const [what, e] of hostile) {
    assert.throws(() => assertSafeTarEntry({ path: e.name, type: e.type ?? 'file', linkname: e.linkname }), (err: unknown) => EdgePushError.is(err, 'invalid-input'), what);
  }
  for (const e of [
    { path: 'app/main.js', type: 'file' },
    { path: 'app/', type: 'directory' },
    { path: 'bin/sh', type: 'symlink', linkname: '/bin/busybox' },
    { path: 'usr/lib/x.so', type: 'symlink', linkname: '../../lib/x.so.1' },
    { path: 'bin/ln', type: 'link', linkname: 'bin/busybox' },
    { path: 'app/.wh.old.js', type: 'file' },
  ]) {
    assert.doesNotThrow(() => assertSafeTarEntry(e), e.path);
  }
});

test('an image archive with a hostile entry is refused', async () => {
  for (const [what, e] of hostile.slice(0, 5)) {
    const archive = await makeTar([{ name: 'manifest.json', data: '[]' }, e]);
    await assert.rejects(readImageArchive({ stream: Readable.from([archive]) }), (err: unknown) => EdgePushError.is(err, 'invalid-input'), what);
  }
});

test('a delta that rebuilds a layer with a hostile entry is refused and writes no archive', async () => {
  const basis = makeImage([await makeTar([{ name: 'app/a', data: 'a' }])], 'hostile:1');
  for (const [what, e] of hostile) {
    const target = makeImage([await makeTar([{ name: 'app/a', data: 'a' }, e])], 'hostile:2');
    const d = await createImageDelta({ basis, target, estimates: false });
    await assert.rejects(applyImageDelta({ delta: d.stream(), basis }), (err: unknown) => EdgePushError.is(err, 'invalid-input'), what);
  }
});
