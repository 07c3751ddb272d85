// Hostile tar entries are refused wherever the engine reads tars: in image archives and in rebuilt layers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { assertSafeTarEntry, TarRootModel } from '../../../simulator/engine/tarSafety.js';
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
    assert.throws(
      () => assertSafeTarEntry({ path: e.name, type: e.type ?? 'file', linkname: e.linkname }),
      (err: unknown) => EdgePushError.is(err, 'invalid-input'),
      what,
    );
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
    await assert.rejects(
      readImageArchive({ stream: Readable.from([archive]) }),
      (err: unknown) => EdgePushError.is(err, 'invalid-input'),
      what,
    );
  }
});

test('a delta that rebuilds a layer with a hostile entry is refused and writes no archive', async () => {
  const basis = makeImage([await makeTar([{ name: 'app/a', data: 'a' }])], 'hostile:1');
  for (const [what, e] of hostile) {
    const target = makeImage([await makeTar([{ name: 'app/a', data: 'a' }, e])], 'hostile:2');
    const d = await createImageDelta({ basis, target, estimates: false });
    // a hostile layer fails the delta's verification: `corrupt` (422 on a device), like a digest mismatch
    await assert.rejects(applyImageDelta({ delta: d.stream(), basis }), (err: unknown) => EdgePushError.is(err, 'corrupt'), what);
  }
});

test('links are resolved as extraction would: a chain that climbs out only when followed is refused', () => {
  const refuse = (entries: TarSpec, why: string) => {
    const m = new TarRootModel();
    assert.throws(
      () => entries.forEach((e) => m.check({ path: e.name, type: e.type ?? 'file', linkname: e.linkname })),
      (err: unknown) => EdgePushError.is(err, 'invalid-input'),
      why,
    );
  };
  const accept = (entries: TarSpec, why: string) => {
    const m = new TarRootModel();
    assert.doesNotThrow(() => entries.forEach((e) => m.check({ path: e.name, type: e.type ?? 'file', linkname: e.linkname })), why);
  };
  refuse(
    [
      { name: 'x', type: 'directory' },
      { name: 'x/y', type: 'symlink', linkname: '..' },
      { name: 'x/y/z', type: 'symlink', linkname: '../..' },
    ],
    'x/y -> .. then x/y/z -> ../..',
  );
  refuse(
    [
      { name: 'a', type: 'symlink', linkname: '/' },
      { name: 'a/b', type: 'symlink', linkname: '../x' },
    ],
    'relative climb from a link to the root',
  );
  refuse(
    [
      { name: 'l', type: 'symlink', linkname: 'd/..' },
      { name: 'd', type: 'symlink', linkname: '..' },
      { name: 'l/x', data: 'x' },
    ],
    'entry written through a later link',
  );
  refuse(
    [
      { name: 'a', type: 'symlink', linkname: 'b' },
      { name: 'b', type: 'symlink', linkname: 'a' },
      { name: 'a/x', data: 'x' },
    ],
    'a link loop',
  );
  refuse(
    [
      { name: 'etc/passwd', data: 'a' },
      { name: 'etc/passwd', data: 'b' },
    ],
    'the same path twice in a layer',
  );
  accept(
    [
      { name: 'usr/lib', type: 'directory' },
      { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
      { name: 'lib/x.so.1', data: 'x' },
      { name: 'lib/x.so', type: 'symlink', linkname: 'x.so.1' },
      { name: 'bin/sh', type: 'symlink', linkname: '/bin/busybox' },
      { name: 'etc/alt', type: 'symlink', linkname: '/../../etc/passwd' }, // absolute: stays in the root, as in a chroot
      { name: 'usr/lib', type: 'directory' },
    ],
    'ordinary links',
  );
});

test('a whiteout forgets the link it removes', () => {
  const withLink = () => {
    const m = new TarRootModel();
    m.check({ path: 'x', type: 'symlink', linkname: '.' });
    m.nextLayer();
    return m;
  };
  assert.throws(() => withLink().check({ path: 'x/y', type: 'symlink', linkname: '../z' }), 'through the link x, ../z climbs out');
  const m = withLink();
  m.check({ path: '.wh.x', type: 'file' });
  m.check({ path: 'x/y', type: 'symlink', linkname: '../z' }); // x is a plain directory again
});

test('a directory given again (as each layer gives its parents) keeps the links inside it; a file over it does not', () => {
  const withLinkInside = () => {
    const m = new TarRootModel();
    m.check({ path: 'd', type: 'directory' });
    m.check({ path: 'd/up', type: 'symlink', linkname: '..' });
    m.nextLayer();
    return m;
  };
  // the engine merges a directory entry with the directory already there: d/up still leads to the root
  const m = withLinkInside();
  m.check({ path: 'd', type: 'directory' });
  assert.throws(
    () => m.check({ path: 'd/up/evil', type: 'symlink', linkname: '../x' }),
    (err: unknown) => EdgePushError.is(err, 'invalid-input') && /escapes the root/.test((err as Error).message),
    'd/up/evil lands at the root, and ../x from there climbs out',
  );
  // a file replaces the directory and everything in it
  const f = withLinkInside();
  f.check({ path: 'd', type: 'file' });
  f.nextLayer();
  f.check({ path: 'd', type: 'directory' });
  f.check({ path: 'd/up/ok', type: 'symlink', linkname: '../x' }); // d/up is a plain directory now
});
