import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rewriteRequest, rewriteImageList, labelCreateBody } from '../../../simulator/device/engineRewrite.js';
import { makeScope, deviceIdFrom } from '../../../simulator/device/scope.js';

const scope = makeScope('dev-a');

test('build tags named local_* go to the device namespace and carry the device label', () => {
  const labels = encodeURIComponent(JSON.stringify({ 'io.resin.local.image': '1' }));
  const r = rewriteRequest('POST', `/v1.41/build?t=local_main&t=other:1&labels=${labels}&forcerm=true`, scope);
  assert.equal(r.kind, 'build');
  const u = new URL(r.path, 'http://x');
  assert.equal(u.pathname, '/v1.41/build');
  assert.deepEqual(u.searchParams.getAll('t'), ['edgepush-dev/dev-a/local_main:latest', 'other:1']);
  assert.deepEqual(JSON.parse(u.searchParams.get('labels')!), { 'io.resin.local.image': '1', 'io.edgepush.device': 'dev-a' });
  assert.equal(u.searchParams.get('forcerm'), 'true');
});

test('image paths and tag targets named local_* are scoped; others untouched', () => {
  assert.equal(rewriteRequest('GET', '/images/local_main:latest/json', scope).path, '/images/edgepush-dev/dev-a/local_main:latest/json');
  assert.equal(rewriteRequest('DELETE', '/v1.41/images/local_main', scope).path, '/v1.41/images/edgepush-dev/dev-a/local_main:latest');
  assert.equal(rewriteRequest('GET', '/images/alpine:3/json', scope).path, '/images/alpine:3/json');
  const tag = new URL(rewriteRequest('POST', '/images/redis:7/tag?repo=local_cache&tag=latest', scope).path, 'http://x');
  assert.equal(tag.searchParams.get('repo'), 'edgepush-dev/dev-a/local_cache');
  assert.equal(tag.searchParams.get('tag'), 'latest');
});

test('container listings are filtered to the device; create bodies get its label', () => {
  const u = new URL(
    rewriteRequest('GET', `/containers/json?all=1&filters=${encodeURIComponent('{"status":["running"]}')}`, scope).path,
    'http://x',
  );
  assert.deepEqual(JSON.parse(u.searchParams.get('filters')!), { status: ['running'], label: ['io.edgepush.device=dev-a'] });
  const body = JSON.parse(labelCreateBody(Buffer.from('{"Image":"local_main","Labels":{"a":"b"}}'), scope).toString());
  assert.deepEqual(body.Labels, { a: 'b', 'io.edgepush.device': 'dev-a' });
  assert.equal(body.Image, 'edgepush-dev/dev-a/local_main:latest');
});

test('image lists hide other devices and show ours under the plain name', () => {
  const rows = [
    { Id: '1', RepoTags: ['edgepush-dev/dev-a/local_main:latest'], Labels: { 'io.edgepush.device': 'dev-a' } },
    { Id: '2', RepoTags: ['edgepush-dev/dev-b/local_main:latest'], Labels: { 'io.edgepush.device': 'dev-b' } },
    { Id: '3', RepoTags: ['edgepush-base/busybox:latest'], Labels: null },
  ];
  const out = rewriteImageList(rows, scope) as { Id: string; RepoTags: string[] }[];
  assert.deepEqual(
    out.map((r) => [r.Id, r.RepoTags]),
    [
      ['1', ['local_main:latest']],
      ['3', ['edgepush-base/busybox:latest']],
    ],
  );
});

test('device ids are docker-safe', () => {
  assert.equal(deviceIdFrom('My Device #1'), 'my-device-1');
  assert.match(deviceIdFrom('!!!'), /^d[0-9a-f]{12}$/);
});

test('build output loses the scoped prefix even when it is split across chunks', async () => {
  const { stripText } = await import('../../../simulator/device/engineProxy.js');
  const t = stripText('edgepush-dev/dev-a/');
  let out = '';
  t.on('data', (c: Buffer) => (out += c.toString()));
  const text = '{"stream":"Successfully tagged edgepush-dev/dev-a/local_main:latest\\n"}\n{"stream":"edgepush-dev/dev-a/x"}';
  for (let i = 0; i < text.length; i += 7) t.write(Buffer.from(text.slice(i, i + 7)));
  t.end();
  await new Promise((r) => t.on('end', r));
  assert.equal(out, '{"stream":"Successfully tagged local_main:latest\\n"}\n{"stream":"x"}');
});
