// Hostile image deltas against a real `edgepush device` over HTTP. Each is well formed on the outside (its
// transport digest is right) and lies inside: a tar entry that claims 8 GiB and ends after 1 KiB, links that
// climb out of the root only when followed, a path given twice, a basis layer listed a hundred times, a size
// no disk holds, a missing basis, foreign tags, and work that outlasts the device's budget. The device must
// answer each with the documented status, keep nothing of it, touch no image that is not its own, and live on.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { startTestDevice, docker, type TestDevice } from './helpers.js';
import { pingDevice } from '../../../simulator/device/spawnDevice.js';
import { testAddress, runTag } from '../../testNet.js';
import {
  chainedSymlinkTar,
  deltaOfLayer,
  duplicatePathTar,
  imageDelta,
  literalImageDelta,
  truncatedTar,
  zeroPaddedTar,
} from '../../fuzz/hostileDeltas.js';
import { makeTar } from '../../unit/engine/fixtures.js';

const BUSYBOX = 'edgepush-base/busybox:latest';
const VICTIM = `edgepush-it-victim/${runTag()}:1`;
let dev: TestDevice;
let busyboxId: string;
let busyboxLayer: string;

before(async () => {
  // A short budget for applying, so that the test of the deadline is quick.
  dev = await startTestDevice(testAddress(50, 10), { env: { EDGEPUSH_DELTA_APPLY_BUDGET_MS: '2500' } });
  const info = await docker.getImage(BUSYBOX).inspect();
  busyboxId = info.Id;
  busyboxLayer = info.RootFS.Layers![0]!;
  await docker.getImage(BUSYBOX).tag({ repo: VICTIM.split(':')[0]!, tag: '1' });
});
after(async () => {
  await dev?.cleanup();
  await docker
    .getImage(VICTIM)
    .remove({ noprune: true })
    .catch(() => undefined);
});

const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** PUTs a whole delta on a connection of its own (the device's keep-alive timeout may close an idle one). */
function send(
  id: string,
  delta: Buffer,
  query = `tag=local_${id}`,
): Promise<{ status: number; body: { message?: string; imageId?: string } }> {
  return new Promise((resolve, reject) => {
    const path = `/v2/edgepush/deltas/${id}?${query}&digest=${digestOf(delta)}&size=${delta.length}`;
    const req = http.request(
      { host: dev.address, port: 48484, method: 'PUT', path, agent: false, headers: { 'content-length': delta.length } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as { message?: string } }));
      },
    );
    req.on('error', reject);
    req.end(delta);
  });
}

/** Nothing of a refused delta stays in the device's data dir (ingests, blobs, work dirs, archives). */
function leftovers(): string[] {
  const dir = join(dev.dataDir, 'deltas');
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
  return existsSync(dir) ? walk(dir) : [];
}

test('a rebuilt layer whose tar entry claims 8 GiB and ends after 1 KiB is refused (422); the device lives on', async () => {
  const { delta } = await deltaOfLayer(await truncatedTar());
  assert.ok(delta.length < 1024, `a small delta (${delta.length} bytes)`);
  const r = await send('trunc', delta);
  assert.equal(r.status, 422, JSON.stringify(r.body));
  assert.match(r.body.message ?? '', /not a valid tar/);
  assert.ok(await pingDevice(dev.address), 'the device still answers');
  assert.deepEqual(leftovers(), []);
});

test('links that escape only when followed, and a path given twice, are refused (422)', async () => {
  const chained = await send('chain', (await deltaOfLayer(await chainedSymlinkTar())).delta);
  assert.equal(chained.status, 422, JSON.stringify(chained.body));
  assert.match(chained.body.message ?? '', /escapes the root/);
  const twice = await send('twice', (await deltaOfLayer(await duplicatePathTar())).delta);
  assert.equal(twice.status, 422, JSON.stringify(twice.body));
  assert.match(twice.body.message ?? '', /twice/);
  await assert.rejects(dev.engine.getImage('local_chain').inspect());
});

test('a delta that lists its basis layer a hundred times is refused before any work (422)', async () => {
  const { delta: inner } = await deltaOfLayer(await makeTar([{ name: 'a', data: 'a' }]));
  const { decodeImageDeltaHeader } = await import('../../../simulator/engine/imageDeltaFormat.js');
  const { ByteReader } = await import('../../../simulator/engine/byteReader.js');
  const reader = new ByteReader(Readable.from([inner]));
  const header = await decodeImageDeltaHeader(reader);
  header.basis = { imageId: busyboxId, oldLayers: Array.from({ length: 100 }, () => busyboxLayer), reusedLayers: [] };
  const r = await send('many', imageDelta(header, inner.subarray(reader.consumed)));
  assert.equal(r.status, 422, JSON.stringify(r.body));
  assert.match(r.body.message ?? '', /more than once/);
});

test('sizes no disk holds are refused (413); a missing basis is a conflict (409)', async () => {
  const huge = await fetch(`http://${dev.address}:48484/v2/edgepush/deltas/huge?size=1e15`, { method: 'PUT', body: 'x' });
  assert.equal(huge.status, 413, await huge.text());
  const nonsense = await fetch(`http://${dev.address}:48484/v2/edgepush/deltas/huge?size=1e300`, { method: 'PUT', body: 'x' });
  assert.equal(nonsense.status, 400, await nonsense.text());
  const { delta: inner } = await deltaOfLayer(await makeTar([{ name: 'b', data: 'b' }]));
  const { decodeImageDeltaHeader } = await import('../../../simulator/engine/imageDeltaFormat.js');
  const { ByteReader } = await import('../../../simulator/engine/byteReader.js');
  const reader = new ByteReader(Readable.from([inner]));
  const header = await decodeImageDeltaHeader(reader);
  header.basis = { imageId: `sha256:${'0'.repeat(64)}`, oldLayers: [], reusedLayers: [] };
  const r = await send('nobasis', imageDelta(header, inner.subarray(reader.consumed)));
  assert.equal(r.status, 409, JSON.stringify(r.body));
});

test("a delta never touches images that are not the device's: foreign tags refused, header tags ignored", async () => {
  const foreign = await send(
    'foreign',
    (await deltaOfLayer(await makeTar([{ name: 'c', data: 'c' }]))).delta,
    `tag=${encodeURIComponent(VICTIM)}`,
  );
  assert.equal(foreign.status, 400, JSON.stringify(foreign.body));
  // A valid delta whose header names the victim tag: applied, tagged only as local_mine in the device's scope.
  const { delta, target } = await deltaOfLayer(await makeTar([{ name: 'd', data: 'd' }]), VICTIM);
  const r = await send('mine', delta, 'tag=local_mine');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.imageId, target.imageId);
  assert.equal((await docker.getImage(VICTIM).inspect()).Id, busyboxId, 'the victim tag still names its own image');
  assert.equal((await dev.engine.getImage('local_mine').inspect()).Id, target.imageId);
  await docker
    .getImage(target.imageId)
    .remove({ force: true })
    .catch(() => undefined);
});

test('work that outlasts the budget is ended (422) while the device keeps answering, and leaves nothing', async () => {
  const layers = await Promise.all(Array.from({ length: 10 }, (_, i) => zeroPaddedTar(`f${i}`, 64 << 20)));
  const delta = literalImageDelta(layers);
  const sending = send('slow', delta);
  let pings = 0;
  let settled = false;
  void sending.finally(() => (settled = true));
  while (!settled) {
    if (await pingDevice(dev.address, 1000)) pings++;
    await new Promise((r) => setTimeout(r, 50)); // a ping every 50 ms while the apply runs
  }
  const r = await sending;
  assert.equal(r.status, 422, JSON.stringify(r.body));
  assert.match(r.body.message ?? '', /budget/);
  assert.ok(pings > 0, 'the device answered while it applied');
  assert.deepEqual(leftovers(), []);
});

test('what a crash during an apply leaves is removed at the next start', async () => {
  const deltas = join(dev.dataDir, 'deltas');
  mkdirSync(join(deltas, 'work', 'crashed'), { recursive: true });
  writeFileSync(join(deltas, 'work', 'crashed', 'image.tar'), 'partial');
  writeFileSync(join(deltas, 'old.image.tar'), 'partial');
  writeFileSync(join(deltas, '.old.image.tar.123.abcdef012345.tmp'), 'partial');
  await dev.restart();
  assert.deepEqual(leftovers(), []);
});
