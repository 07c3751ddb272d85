// Delta-aware pulls on a real `edgepush device` from the real registry: through the device's engine endpoint
// (`docker pull` as dockerode sends it) and through a target state naming a registry reference. The pulled
// image has exactly the pushed image id; a second pull fetches nothing; a delta blob damaged inside the
// registry's own storage is refused by its digest and the device falls back to a layer pull.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { testAddress, runTag } from '../../testNet.js';
import { RegistryClient } from '../../../simulator/registry/registryClient.js';
import { parseRegistryAddress } from '../../../simulator/registry/reference.js';
import { pushImageArchive } from '../../../simulator/registry/imagePush.js';
import { endsOf, publishDelta } from '../../../simulator/registry/publishDelta.js';
import { readImageArchive } from '../../../simulator/engine/imageArchive.js';
import { startTestDevice, api, waitFor, postTarget, followLogs, status, type TestDevice } from '../device/helpers.js';
import { buildTestImage, docker, removeImages, startTestRegistry, type TestRegistry } from './helpers.js';

const repo = `edgepush-it/${runTag()}-pull`;
const local = (v: string) => `edgepush-it/${runTag()}-pull:${v}`;
let reg: TestRegistry;
let dev: TestDevice;
const ids: Record<string, string> = {};
let layerPull: Record<string, number> = {};

interface Pull {
  ref: string;
  imageId: string;
  method: string;
  bytesFetched: number;
  fallback?: string;
}

const refOf = (v: string) => `${reg.host}/${repo}:${v}`;
const pulls = async () => ((await api(dev.address, 'GET', '/v2/edgepush/pulls')).json as { pulls: Pull[] }).pulls;
const pullOf = async (v: string) => (await pulls()).find((p) => p.ref === refOf(v));

/** `docker pull` through the device's engine endpoint; resolves with the engine-format progress lines. */
async function dockerPull(v: string): Promise<{ status?: string; error?: string }[]> {
  const stream = (await dev.engine.pull(refOf(v))) as Readable;
  return new Promise((res, rej) =>
    dev.engine.modem.followProgress(stream, (err: Error | null, out: { status?: string; error?: string }[]) => (err ? rej(err) : res(out))),
  );
}

before(async () => {
  reg = await startTestRegistry(testAddress(81, 10));
  const client = new RegistryClient(parseRegistryAddress(reg.url));
  const archives: Record<string, Awaited<ReturnType<typeof readImageArchive>>> = {};
  const pushed: Record<string, Awaited<ReturnType<typeof pushImageArchive>>> = {};
  for (const v of ['v1', 'v2', 'v3']) {
    ids[v] = await buildTestImage(local(v), `hello from ${v}`, { label: 'device-pull' });
    archives[v] = await readImageArchive({ docker, ref: local(v) });
    pushed[v] = await pushImageArchive(client, repo, v, archives[v]);
  }
  const d2 = await publishDelta(
    client,
    repo,
    { image: archives.v1!, ends: endsOf(pushed.v1!) },
    { image: archives.v2!, pushed: pushed.v2! },
  );
  const d3 = await publishDelta(
    client,
    repo,
    { image: archives.v1!, ends: endsOf(pushed.v1!) },
    { image: archives.v3!, pushed: pushed.v3! },
  );
  layerPull = { v2: d2.layerPullBytes, v3: d3.layerPullBytes };
  // Damage v3's delta blob where the registry stores it: the registry still serves it under its digest.
  const hex = d3.deltaDigest.slice(7);
  const blob = join(reg.dataDir, 'storage', 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
  const bytes = readFileSync(blob);
  bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
  writeFileSync(blob, bytes);
  dev = await startTestDevice(testAddress(80, 1));
});
after(async () => {
  await dev?.cleanup();
  await reg?.stop();
  await removeImages(local('v1'), local('v2'), local('v3'));
});

test('docker pull through the device: a first pull fetches layers and yields the exact image id', async () => {
  const out = await dockerPull('v1');
  assert.equal(out.find((o) => o.error)?.error, undefined);
  assert.ok(
    out.some((o) => o.status === `Status: Downloaded newer image for ${refOf('v1')}`),
    JSON.stringify(out),
  );
  assert.equal((await dev.engine.getImage(refOf('v1')).inspect()).Id, ids.v1);
  const p = await pullOf('v1');
  assert.equal(p?.method, 'layers');
  assert.ok(p!.bytesFetched > 300_000, `a full pull of a 300 KB app: ${p!.bytesFetched} B`);
  // The device's own copy: the host engine's name for it is another device's business.
  assert.equal((await docker.getImage(`edgepush-dev/${dev.id}/${reg.host.replace(':', '_')}/${repo}:v1`).inspect()).Id, ids.v1);
});

test('the next release comes as a delta from the image the device has, and a second pull fetches nothing', async () => {
  await dockerPull('v2');
  assert.equal((await dev.engine.getImage(refOf('v2')).inspect()).Id, ids.v2);
  const p = await pullOf('v2');
  assert.equal(p?.method, 'delta');
  assert.ok(p!.bytesFetched < layerPull.v2! / 5, `delta pull ${p!.bytesFetched} B against a ${layerPull.v2} B layer pull`);
  const again = await dockerPull('v2');
  assert.ok(
    again.some((o) => o.status === `Status: Image is up to date for ${refOf('v2')}`),
    JSON.stringify(again),
  );
  const second = await pullOf('v2');
  assert.equal(second?.method, 'none');
  assert.equal(second?.bytesFetched, 0);
});

test('a corrupt delta blob is refused by its digest; the device pulls layers and runs the right image', async () => {
  const logs = followLogs(dev.address);
  try {
    await postTarget(dev, [{ serviceName: 'main', image: refOf('v3') }], 'release-v3');
    await waitFor(
      'v3 running',
      async () => (await status(dev.address)).containers.some((c) => c.serviceName === 'main' && c.status === 'Running'),
      60000,
    );
    await waitFor(
      'the app line',
      async () => logs.lines.some((l) => l.serviceName === 'main' && l.message.includes('hello from v3')),
      20000,
    );
  } finally {
    logs.close();
  }
  const p = await pullOf('v3');
  assert.equal(p?.method, 'layers');
  assert.match(p?.fallback ?? '', /digest/);
  assert.equal(p?.imageId, ids.v3);
  const running = (await status(dev.address)).containers.find((c) => c.serviceName === 'main')!;
  assert.equal((await docker.getContainer(running.containerId).inspect()).Image, ids.v3);
});

test('a manifest whose bytes do not match its digest is refused: no image, an error in the pull', async () => {
  const client = new RegistryClient(parseRegistryAddress(reg.url));
  // v1's manifest under a new tag, then its bytes damaged where the registry stores them.
  const m = await client.getManifest(repo, 'v1');
  await client.putManifest(repo, 'tampered', m.bytes, m.mediaType);
  const hex = m.digest.slice(7);
  const path = join(reg.dataDir, 'storage', 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
  writeFileSync(path, readFileSync(path).toString('utf8').replace('"schemaVersion":2', '"schemaVersion":2 '));
  const out = await dockerPull('tampered');
  assert.match(out.find((o) => o.error)?.error ?? '', /does not match its digest/);
  await assert.rejects(dev.engine.getImage(refOf('tampered')).inspect());
});
