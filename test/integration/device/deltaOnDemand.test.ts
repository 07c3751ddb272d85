// A device whose memory budget is smaller than the basis image reads the basis from its engine on demand
// (the engine's export once to check every layer, then once per layer read) and still loads the verified
// target image.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { startTestDevice, docker, payloadDelta, type TestDevice } from './helpers.js';
import { testAddress } from '../../testNet.js';

const TARGET = 'edgepush-it/delta-on-demand:latest';
let dev: TestDevice;
let delta: Buffer;
let targetId: string;

before(async () => {
  // 1 MiB: every basis is over half of it
  dev = await startTestDevice(testAddress(10, 53), { env: { EDGEPUSH_DELTA_MEMORY_BUDGET: String(1 << 20) } });
  ({ targetId, delta } = await payloadDelta(TARGET, randomBytes(300_000), 'device-delta-on-demand'));
});
after(async () => {
  await dev?.cleanup();
  await docker
    .getImage(TARGET)
    .remove({ force: true })
    .catch(() => undefined);
});

test('a basis larger than the memory budget is read on demand; the target image loads verified', async () => {
  const digest = `sha256:${createHash('sha256').update(delta).digest('hex')}`;
  const r = await fetch(`http://${dev.address}:48484/v2/edgepush/deltas/od1?tag=local_od&digest=${digest}`, {
    method: 'PUT',
    body: new Uint8Array(delta),
    headers: { 'content-range': `bytes 0-${delta.length - 1}/${delta.length}` },
  });
  const body = (await r.json()) as { imageId: string; repoTags: string[] };
  assert.equal(r.status, 200, JSON.stringify(body));
  assert.equal(body.imageId, targetId, 'the rebuilt image has the target image id');
  assert.equal((await dev.engine.getImage('local_od').inspect()).Id, targetId);
});
