import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRegistryRef, parseImageRef, parseRegistryAddress } from '../../../simulator/registry/reference.js';
import { makeScope } from '../../../simulator/device/scope.js';
import { pullReferenceOf } from '../../../simulator/device/registryPullRoutes.js';
import { deltaTag, referrersTag } from '../../../simulator/registry/deltaArtifact.js';

test('registry references are told from engine-local names', () => {
  assert.equal(isRegistryRef('127.0.0.20:5000/fleet/app:v2'), true);
  assert.equal(isRegistryRef('localhost/app'), true);
  assert.equal(isRegistryRef('registry.example.com/a/b'), true);
  assert.equal(isRegistryRef('edgepush-base/busybox:latest'), false);
  assert.equal(isRegistryRef('local_main'), false);
  assert.deepEqual(parseImageRef('127.0.0.20:5000/fleet/app:v2'), {
    registry: '127.0.0.20:5000',
    repository: 'fleet/app',
    tag: 'v2',
    digest: undefined,
  });
  assert.deepEqual(parseImageRef('localhost:5000/app'), {
    registry: 'localhost:5000',
    repository: 'app',
    tag: 'latest',
    digest: undefined,
  });
  assert.throws(() => parseImageRef('127.0.0.20:5000/Fleet/App'), /invalid repository/);
  assert.throws(() => parseImageRef('127.0.0.20:5000/app@sha256:12'), /invalid digest/);
});

test('--registry addresses: plain HTTP on loopback, HTTPS elsewhere, credentials from the URL', () => {
  assert.equal(parseRegistryAddress('127.0.0.20:5000').baseUrl, 'http://127.0.0.20:5000');
  assert.equal(parseRegistryAddress('registry.example.com').baseUrl, 'https://registry.example.com');
  const a = parseRegistryAddress('https://me:s%40cret@registry.example.com');
  assert.deepEqual([a.host, a.username, a.password], ['registry.example.com', 'me', 's@cret']);
  assert.throws(() => parseRegistryAddress('ftp://x'), /only http and https/);
  assert.throws(() => parseRegistryAddress('http://x/path'), /no path/);
});

test('a device scopes pulled images reversibly; engine-local names stay as they are', () => {
  const s = makeScope('dev1');
  for (const [name, scoped] of [
    ['127.0.0.20:5000/fleet/app:v2', 'edgepush-dev/dev1/127.0.0.20_5000/fleet/app:v2'],
    ['registry.example.com/x/y:1', 'edgepush-dev/dev1/registry.example.com/x/y:1'],
  ] as const) {
    assert.equal(s.scopedImage(name), scoped);
    assert.equal(s.unscopedImage(scoped), name);
  }
  assert.equal(s.scopedImage('edgepush-base/busybox:latest'), 'edgepush-base/busybox:latest');
  assert.equal(s.unscopedImage('edgepush-dev/dev1/local_main:latest'), 'local_main:latest');
});

test('docker pull requests the device answers itself', () => {
  assert.equal(pullReferenceOf('POST', '/v1.43/images/create?fromImage=127.0.0.20%3A5000%2Fapp&tag=v2'), '127.0.0.20:5000/app:v2');
  assert.equal(
    pullReferenceOf('POST', `/images/create?fromImage=127.0.0.20:5000/app&tag=sha256:${'a'.repeat(64)}`),
    `127.0.0.20:5000/app@sha256:${'a'.repeat(64)}`,
  );
  assert.equal(pullReferenceOf('POST', '/images/create?fromImage=busybox&tag=latest'), undefined);
  assert.equal(pullReferenceOf('GET', '/images/create?fromImage=127.0.0.20:5000/app'), undefined);
});

test("delta tags fit the 128-character tag limit; the fallback tag is the spec's", () => {
  const t = deltaTag(`sha256:${'a'.repeat(64)}`, `sha256:${'b'.repeat(64)}`);
  assert.equal(t, `delta-${'a'.repeat(32)}-${'b'.repeat(32)}`);
  assert.equal(referrersTag(`sha256:${'c'.repeat(64)}`), `sha256-${'c'.repeat(64)}`);
});
