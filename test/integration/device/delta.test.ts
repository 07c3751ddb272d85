// Delta receive over a throttled link: an image delta made by the embedded engine is sent in two pieces
// (resume by offset), verified, loaded under a device-scoped name and then run from the target state.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { startTestDevice, api, status, waitFor, postTarget, followLogs, docker, payloadDelta, type TestDevice } from './helpers.js';
import { testAddress } from '../../testNet.js';

const TARGET = 'edgepush-it/delta-target:latest';
let dev: TestDevice;
let delta: Buffer;
let targetId: string;
let payloadSha: string;

before(async () => {
  dev = await startTestDevice(testAddress(10, 51), { link: '4mbit' });
  const payload = randomBytes(200_000);
  payloadSha = createHash('sha256').update(payload).digest('hex');
  ({ targetId, delta } = await payloadDelta(
    TARGET,
    payload,
    'device-delta',
    'CMD ["sh", "-c", "trap \\"exit 0\\" TERM; sha256sum /payload; while true; do sleep 1; done"]\n',
  ));
});
after(async () => {
  await dev?.cleanup();
  await docker
    .getImage(TARGET)
    .remove({ force: true })
    .catch(() => undefined);
});

const put = (id: string, body: Buffer, start: number, query = '') =>
  fetch(`http://${dev.address}:48484/v2/edgepush/deltas/${id}${query}`, {
    method: 'PUT',
    body: new Uint8Array(body),
    headers: { 'content-range': `bytes ${start}-${start + body.length - 1}/${delta.length}` },
  });

test('bytes damaged on the way are refused (422) and no image appears', async () => {
  const bad = Buffer.from(delta);
  const at = Math.floor(bad.length / 2);
  bad[at] = bad[at]! ^ 0xff;
  const digest = `sha256:${createHash('sha256').update(delta).digest('hex')}`;
  const r = await put('bad', bad, 0, `?tag=local_bad&digest=${digest}`);
  assert.equal(r.status, 422, await r.text());
  await assert.rejects(dev.engine.getImage('local_bad').inspect());
  // nothing of it is kept: the same id starts again from zero
  assert.equal(((await api(dev.address, 'GET', '/v2/edgepush/deltas/bad')).json as { offset: number }).offset, 0);
});

test('a delta sent in two pieces resumes, loads verified, and runs from the target state', async () => {
  const before = ((await api(dev.address, 'GET', '/v2/edgepush/stats')).json as { receivedBytes: number }).receivedBytes;
  const half = Math.floor(delta.length / 2);
  const first = await put('d1', delta.subarray(0, half), 0);
  assert.equal(first.status, 202);
  assert.deepEqual(await first.json(), { status: 'success', complete: false, offset: half, total: delta.length });
  assert.equal(((await api(dev.address, 'GET', '/v2/edgepush/deltas/d1')).json as { offset: number }).offset, half);
  const wrong = await put('d1', delta.subarray(10), 10);
  assert.equal(wrong.status, 416);
  assert.equal(((await wrong.json()) as { offset: number }).offset, half);
  const digest = `sha256:${createHash('sha256').update(delta).digest('hex')}`;
  const done = await put('d1', delta.subarray(half), half, `?tag=local_main&digest=${digest}`);
  const body = (await done.json()) as { status: string; complete: boolean; imageId: string; repoTags: string[] };
  assert.equal(done.status, 200, JSON.stringify(body));
  assert.equal(body.imageId, targetId, 'the rebuilt image has the target image id');
  assert.deepEqual(body.repoTags, ['local_main:latest']);
  const stats = (await api(dev.address, 'GET', '/v2/edgepush/stats')).json as { receivedBytes: number };
  assert.ok(stats.receivedBytes - before >= delta.length, `received ${stats.receivedBytes - before} of ${delta.length}`);

  const logs = followLogs(dev.address);
  try {
    await postTarget(dev, [{ serviceName: 'main', image: 'local_main' }]);
    await waitFor('applied', async () => (await status(dev.address)).appState === 'applied');
    await waitFor('payload checksum from the container', async () =>
      logs.lines.some((l) => l.serviceName === 'main' && l.message.startsWith(payloadSha)),
    );
  } finally {
    logs.close();
  }
});
