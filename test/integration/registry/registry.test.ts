// `edgepush registry`, `image push` and `image delta` against a real registry (Debian's docker-registry, CNCF
// distribution 2.8): blobs the registry has are skipped, the pushed image is one the Docker engine pulls with
// the same image id, deltas are OCI artifacts found by the tag schema fallback (this registry has no referrers
// API) and, through a referrers-capable front (referrersFront.ts), by the referrers API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { testAddress, runTag } from '../../testNet.js';
import { RegistryClient } from '../../../simulator/registry/registryClient.js';
import { parseRegistryAddress } from '../../../simulator/registry/reference.js';
import { DELTA_ARTIFACT_TYPE, findDeltaByTag, findDeltas, referrersTag } from '../../../simulator/registry/deltaArtifact.js';
import { MediaType, imageIndexSchema, imageManifestSchema } from '../../../simulator/registry/ociSchemas.js';
import { pushImage, pushImageArchive } from '../../../simulator/registry/imagePush.js';
import { ImageSpool } from '../../../simulator/registry/localImage.js';
import { endsOf, publishDelta } from '../../../simulator/registry/publishDelta.js';
import { readImageArchive } from '../../../simulator/engine/imageArchive.js';
import { buildTestImage, docker, removeImages, startTestRegistry, type TestRegistry } from './helpers.js';
import { startReferrersFront } from './referrersFront.js';

const V1 = `edgepush-it/${runTag()}-reg-app:v1`;
const V2 = `edgepush-it/${runTag()}-reg-app:v2`;
let reg: TestRegistry;
let v1Id: string;
let v2Id: string;

const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/cli.js', ...args], { encoding: 'utf8', env: { ...process.env } });
const json = <T>(r: ReturnType<typeof cli>): T => {
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
};

before(async () => {
  reg = await startTestRegistry(testAddress(81, 1));
  v1Id = await buildTestImage(V1, 'hello from v1');
  v2Id = await buildTestImage(V2, 'hello from v2');
});
after(async () => {
  await reg?.stop();
  await removeImages(V1, V2);
});

test('registry status shows the running registry', () => {
  const r = cli('registry', 'status', '--address', reg.address, '--port', String(reg.port), '--json');
  const list = json<{ url: string; answering: boolean }[]>(r);
  assert.deepEqual(
    list.map((x) => [x.url, x.answering]),
    [[reg.url, true]],
  );
});

test('image push sends every blob once; a second push skips them all and the engine pulls the same image id', async () => {
  type Pushed = {
    ref: string;
    manifestDigest: string;
    imageId: string;
    blobsPushed: number;
    blobsSkipped: number;
    bytesUploaded: number;
    manifestSize: number;
  };
  const first = json<Pushed>(cli('image', 'push', V1, '--registry', reg.url, '--json'));
  assert.equal(first.imageId, v1Id);
  assert.ok(first.blobsPushed >= 3, `config + 3 layers expected, pushed ${first.blobsPushed}`);
  const second = json<Pushed>(cli('image', 'push', V1, '--registry', reg.host, '--json'));
  assert.equal(second.blobsPushed, 0);
  assert.equal(second.blobsSkipped, first.blobsPushed + first.blobsSkipped);
  assert.equal(second.bytesUploaded, second.manifestSize, 'only the manifest is sent again');
  assert.equal(second.manifestDigest, first.manifestDigest);
  // The registry's image is a real one: the Docker engine pulls it and gets the exact image id.
  const pulled = `${reg.host}/edgepush-it/${runTag()}-reg-app:v1`;
  try {
    const stream = await docker.pull(pulled);
    await new Promise((res, rej) => docker.modem.followProgress(stream, (err: Error | null) => (err ? rej(err) : res(undefined))));
    assert.equal((await docker.getImage(pulled).inspect()).Id, v1Id);
  } finally {
    await docker
      .getImage(pulled)
      .remove({ force: false, noprune: true })
      .catch(() => undefined);
  }
});

test('image delta pushes an artifact with TO as subject, found by the tag schema fallback and by its tag', async () => {
  type Delta = {
    to: string;
    from: string;
    manifestDigest: string;
    deltaBytes: number;
    layerPullBytes: number;
    discovery: string;
    tag: string;
    reused: boolean;
  };
  const d = json<Delta>(cli('image', 'delta', V1, V2, '--registry', reg.url, '--json'));
  assert.equal(d.discovery, 'tag-schema', 'distribution 2.8 has no referrers API');
  assert.ok(d.deltaBytes < d.layerPullBytes / 10, `delta ${d.deltaBytes} B against a ${d.layerPullBytes} B layer pull`);
  const client = new RegistryClient(parseRegistryAddress(reg.url));
  const repo = `edgepush-it/${runTag()}-reg-app`;
  assert.equal(await client.referrers(repo, d.to), null, 'the registry answers 404 for the referrers API');
  // The artifact manifest, as stored.
  const m = imageManifestSchema.parse(JSON.parse((await client.getManifest(repo, d.manifestDigest)).bytes.toString('utf8')));
  assert.equal(m.artifactType, DELTA_ARTIFACT_TYPE);
  assert.equal(m.subject?.digest, d.to);
  assert.equal(m.config.mediaType, MediaType.ociEmpty);
  assert.equal(m.annotations?.['io.edgepush.delta.base.manifest'], d.from);
  assert.equal(m.annotations?.['io.edgepush.delta.base.image-id'], v1Id);
  // The fallback index under sha256-<hex of TO>.
  const index = imageIndexSchema.parse(JSON.parse((await client.getManifest(repo, referrersTag(d.to))).bytes.toString('utf8')));
  assert.deepEqual(
    index.manifests.map((x) => [x.digest, x.artifactType]),
    [[d.manifestDigest, DELTA_ARTIFACT_TYPE]],
  );
  const found = await findDeltas(client, repo, d.to, (base) => base === v1Id);
  assert.deepEqual(
    found.map((f) => [f.manifestDigest, f.foundBy, f.baseImageId, f.targetImageId]),
    [[d.manifestDigest, 'tag-schema', v1Id, v2Id]],
  );
  assert.deepEqual(await findDeltas(client, repo, d.to, (base) => base === 'sha256:' + '0'.repeat(64)), []);
  assert.equal((await findDeltaByTag(client, repo, v1Id, v2Id))?.manifestDigest, d.manifestDigest);
  // Asked again: found, not recomputed.
  const again = json<Delta>(cli('image', 'delta', V1, V2, '--registry', reg.url, '--json'));
  assert.equal(again.reused, true);
  assert.equal(again.manifestDigest, d.manifestDigest);
});

test('a delta published under a small memory budget is made from files, whatever the images were read into', async () => {
  const client = new RegistryClient(parseRegistryAddress(reg.url));
  const repo = `edgepush-it/${runTag()}-budget`;
  const [a, b] = await Promise.all([readImageArchive({ docker, ref: V1 }), readImageArchive({ docker, ref: V2 })]);
  const pa = await pushImageArchive(client, repo, 'a', a);
  const pb = await pushImageArchive(client, repo, 'b', b);
  // two small images in memory: the default budget diffs them in memory, a 1 MiB one (half of it below their size) from files
  const budget = 1 << 20;
  const d = await publishDelta(client, repo, { image: a, ends: endsOf(pa) }, { image: b, pushed: pb }, { memoryBudget: budget });
  assert.equal(d.fromFiles, true, 'the budget decides, not only the default');
  assert.deepEqual(
    (await findDeltas(client, repo, pb.manifestDigest)).map((f) => [f.manifestDigest, f.baseImageId, f.targetImageId]),
    [[d.manifestDigest, v1Id, v2Id]],
  );
});

test('on a registry with the referrers API the delta is found by referrers and no fallback index is written', async () => {
  const front = await startReferrersFront(testAddress(81, 2), reg.url);
  try {
    const client = new RegistryClient(parseRegistryAddress(front.url));
    const repo = `edgepush-it/${runTag()}-referrers`;
    const [a, b] = await Promise.all([readImageArchive({ docker, ref: V1 }), readImageArchive({ docker, ref: V2 })]);
    const pa = await pushImageArchive(client, repo, 'a', a);
    const pb = await pushImageArchive(client, repo, 'b', b);
    const d = await publishDelta(client, repo, { image: a, ends: endsOf(pa) }, { image: b, pushed: pb });
    assert.equal(d.discovery, 'referrers');
    assert.equal(await client.headManifest(repo, referrersTag(pb.manifestDigest)), null, 'no tag schema index on a 1.1 registry');
    const found = await findDeltas(client, repo, pb.manifestDigest);
    assert.deepEqual(
      found.map((f) => [f.manifestDigest, f.foundBy]),
      [[d.manifestDigest, 'referrers']],
    );
    assert.ok(front.referrersAsked >= 1);
  } finally {
    await front.close();
  }
});

test('an image exported to a file and pushed from it (the large-image path) is the same image as pushed from memory: same blobs, same manifest', async () => {
  const client = new RegistryClient(parseRegistryAddress(reg.url));
  const repo = `edgepush-it/${runTag()}-from-file`;
  const spool = await ImageSpool.create();
  try {
    const inMemory = await spool.engineImage(docker, V2, false);
    const inFile = await spool.engineImage(docker, V2, true);
    assert.ok('path' in inFile && !('path' in inMemory));
    const fromFile = await pushImage(client, repo, 'file', inFile, { workDir: spool.dir });
    assert.equal(fromFile.imageId, v2Id);
    const fromMemory = await pushImage(client, repo, 'memory', inMemory);
    assert.equal(fromMemory.blobsPushed, 0, 'every blob the file push sent is recognised');
    assert.equal(fromMemory.manifestDigest, fromFile.manifestDigest);
    // and a delta between an image in memory and one in a file is made from files, and found as any other
    const fromImage = await spool.engineImage(docker, V1, false);
    const base = await pushImage(client, repo, 'base', fromImage);
    const d = await publishDelta(
      client,
      repo,
      { image: fromImage, ends: endsOf(base) },
      { image: inFile, pushed: fromFile },
      { workDir: spool.dir },
    );
    assert.equal(d.fromFiles, true);
    assert.deepEqual(
      (await findDeltas(client, repo, fromFile.manifestDigest)).map((f) => [f.manifestDigest, f.baseImageId, f.targetImageId]),
      [[d.manifestDigest, v1Id, v2Id]],
    );
  } finally {
    await spool.dispose();
  }
  assert.equal(existsSync(spool.dir), false, 'the spool folder is removed');
});

test('a registry that is down or refuses: clear errors, exit code 1', async () => {
  const down = cli('image', 'push', V1, '--registry', `${testAddress(81, 3)}:5000`);
  assert.equal(down.status, 1);
  assert.match(down.stderr, /registry .* does not answer/);
  assert.equal(down.stderr.trim().split('\n').length, 1, down.stderr);
  // A manifest naming a blob the registry does not have is refused, with the registry's own reason.
  const client = new RegistryClient(parseRegistryAddress(reg.url));
  const bogus = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: `sha256:${'1'.repeat(64)}`, size: 2 },
      layers: [],
    }),
  );
  await assert.rejects(
    client.putManifest(`edgepush-it/${runTag()}-bogus`, 'x', bogus, MediaType.ociManifest),
    /refused \(HTTP 400: MANIFEST_BLOB_UNKNOWN/,
  );
  const bad = cli('image', 'push', V1, '--registry', 'ftp://nowhere');
  assert.equal(bad.status, 2);
});
