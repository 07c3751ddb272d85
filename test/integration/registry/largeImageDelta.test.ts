// The registry path of a delta between two generated images of about 190 MB each (a shared 64 MB base, a
// 128 MB app layer rebuilt in places; incompressible bytes), through the real registry (Debian's
// docker-registry): both images pushed from their archive files, the delta made within a 16 MiB budget and
// uploaded from its file, then received into a content store and applied within the same budget, each side in
// a child process whose peak RSS is read. The rebuilt archive is the target's, byte for byte, and neither side
// grew by more than a fraction of one image. A registry that goes away while the delta is on its way gives an
// `unavailable` error naming the upload, and leaves no temp folder behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, createReadStream, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { testAddress, runTag } from '../../testNet.js';
import { writeLargeImagePair } from '../../unit/engine/largeImages.js';
import { RegistryClient } from '../../../simulator/registry/registryClient.js';
import { parseRegistryAddress } from '../../../simulator/registry/reference.js';
import { ImageSpool } from '../../../simulator/registry/localImage.js';
import { endsOf, publishDelta } from '../../../simulator/registry/publishDelta.js';
import { pushImage, type PushedImage } from '../../../simulator/registry/imagePush.js';
import { EdgePushError } from '../../../simulator/shared/errors.js';
import { startTestRegistry, type TestRegistry } from './helpers.js';

let runner: string;
const repo = `edgepush-it/${runTag()}-large`;
const BUDGET = 16 << 20;
let reg: TestRegistry;
let dir: string;
let pair: Awaited<ReturnType<typeof writeLargeImagePair>>;
let published:
  | { fromPushed: PushedImage; toPushed: PushedImage; delta: { manifestDigest: string; deltaDigest: string; deltaBytes: number } }
  | undefined;

interface Figures {
  baselineMB: number;
  peakMB: number;
}

function run<T>(...args: string[]): T & Figures {
  const r = spawnSync(process.execPath, [runner, ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as T & Figures;
}

async function sha(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(c as Buffer);
  return h.digest('hex');
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ep-large-reg-'));
  // The runner as a bundle with the bundled delta worker beside it: what `edgepush image delta` runs (dist/),
  // not TypeScript compiled in the process by tsx (about 30 MB more in the worker alone).
  const worker = resolve('dist/deltaWorker.js');
  assert.ok(existsSync(worker), 'dist/deltaWorker.js: run `npm run build` first');
  runner = join(dir, 'largeDeltaRunner.cjs');
  buildSync({
    entryPoints: [resolve(__dirname, 'largeDeltaRunner.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: runner,
    logLevel: 'warning',
  });
  copyFileSync(worker, join(dir, 'deltaWorker.js'));
  reg = await startTestRegistry(testAddress(81, 40));
  pair = await writeLargeImagePair(dir, 64 << 20, 128 << 20);
});
after(async () => {
  await reg?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a delta between two ~190 MB images goes through the registry and is applied, each side growing by a fraction of one image', async () => {
  const imageMB = statSync(pair.target).size / 2 ** 20;
  const pub = run<
    NonNullable<typeof published> & { delta: { fromFiles: boolean; toImageId: string }; pushPeakMB: number; deltaPeakMB: number }
  >('publish', reg.url, repo, pair.basis, pair.target, String(BUDGET));
  published = pub;
  assert.equal(pub.delta.fromFiles, true, 'images of this size are diffed from their files');
  assert.equal(pub.delta.toImageId, pair.targetId);
  assert.ok(pub.delta.deltaBytes < (128 << 20) / 5, `delta ${pub.delta.deltaBytes} bytes (a few files are new)`);
  const out = join(dir, 'out.tar');
  const got = run<{ imageId: string; expected: string; foundBy: string }>('fetch', reg.url, repo, pair.basis, out, String(BUDGET));
  assert.equal(got.expected, pair.targetId, 'the registry names the target image');
  assert.equal(got.imageId, pair.targetId, 'the delta rebuilds the target image');
  assert.equal(got.foundBy, 'tag-schema');
  // The anchor, in the same run: publishing as it was before (both images and the delta held in memory).
  const before = run<{ delta: { deltaBytes: number } }>('held', reg.url, `${repo}-held`, pair.basis, pair.target);
  assert.equal(await sha(out), await sha(pair.target), 'the rebuilt archive is the target archive, byte for byte');
  // What a user sees: the process grows by less than one image, and by a fraction of what holding the images
  // took (the anchor: about 8 images' worth, the archives read, their layers copied, gzipped, the delta
  // concatenated). What growth there is does not follow the image: about 50 MB of stream buffers that wait for
  // the collector (V8 collects after 64 MB of them) and the delta worker's 60-75 MB under a 16 MiB budget.
  const heldGrew = before.peakMB - before.baselineMB;
  console.log(
    `images ${imageMB.toFixed(0)} MB, delta ${(pub.delta.deltaBytes / 2 ** 20).toFixed(1)} MB: publish peak ${pub.peakMB.toFixed(0)} MB ` +
      `(+${(pub.peakMB - pub.baselineMB).toFixed(0)}; pushing ${pub.pushPeakMB.toFixed(0)}, delta ${pub.deltaPeakMB.toFixed(0)}), ` +
      `fetch and apply peak ${got.peakMB.toFixed(0)} MB (+${(got.peakMB - got.baselineMB).toFixed(0)}), process at start ${pub.baselineMB.toFixed(0)} MB; ` +
      `anchor, images held in memory: peak ${before.peakMB.toFixed(0)} MB (+${(before.peakMB - before.baselineMB).toFixed(0)})`,
  );
  for (const [what, f] of [
    ['publish', pub],
    ['fetch and apply', got],
  ] as const) {
    const grew = f.peakMB - f.baselineMB;
    const figures = `${what}: grew ${grew.toFixed(0)} MB (peak ${f.peakMB.toFixed(0)} MB) for images of ${imageMB.toFixed(0)} MB`;
    assert.ok(grew < imageMB, figures);
    assert.ok(grew < heldGrew / 5, `${figures}; held in memory it grew ${heldGrew.toFixed(0)} MB`);
  }
});

/** A relay to the registry that, once a blob upload over 256 kB has carried 128 kB of its body, drops every
 *  connection and stops listening: the registry is gone, mid-upload. */
function vanishingRelay(host: string, port: number, target: { host: string; port: number }): Promise<Server> {
  const sockets = new Set<Socket>();
  let gone = false;
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    sockets.add(client).add(upstream);
    let body: number | undefined;
    client.on('data', (chunk: Buffer) => {
      if (gone) return;
      if (body === undefined) {
        const m = /PUT \/v2\/[^ ]*blobs\/uploads[^ ]* HTTP\/1\.1\r\n[\s\S]*?content-length: (\d+)\r\n[\s\S]*?\r\n\r\n/i.exec(
          chunk.toString('latin1'),
        );
        if (m && Number(m[1]) > 256 << 10) body = -(m.index + m[0].length);
      }
      if (body !== undefined && (body += chunk.length) > 128 << 10) {
        gone = true;
        server.close();
        for (const s of sockets) s.destroy();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (c: Buffer) => client.write(c));
    for (const s of [client, upstream]) {
      s.on('error', () => undefined);
      s.on('close', () => (client.destroy(), upstream.destroy()));
    }
  });
  return new Promise((res) => server.listen(port, host, () => res(server)));
}

test('a registry that goes away while a delta or a layer of large images is uploaded: unavailable, naming the upload, and no temp folder left', async () => {
  assert.ok(published, 'the first test published the images');
  const direct = new RegistryClient(parseRegistryAddress(reg.url));
  // so that the delta is made and sent again: its manifest and blob out of the registry
  await direct.deleteManifest(repo, published.delta.manifestDigest);
  const gone = await direct.request('DELETE', `/v2/${repo}/blobs/${published.delta.deltaDigest}`);
  assert.equal(gone.status, 202, 'the delta blob is deleted');
  await gone.body.cancel();
  const relayHost = testAddress(81, 41);
  const relay = await vanishingRelay(relayHost, 5000, { host: reg.address, port: reg.port });
  const work = mkdtempSync(join(tmpdir(), 'ep-large-vanish-'));
  try {
    const spool = await ImageSpool.create(work);
    try {
      const from = await spool.read({ archivePath: pair.basis }, true);
      const to = await spool.read({ archivePath: pair.target }, true);
      const client = new RegistryClient(parseRegistryAddress(`http://${relayHost}:5000`));
      const err = await publishDelta(
        client,
        repo,
        { image: from, ends: endsOf(published.fromPushed) },
        { image: to, pushed: published.toPushed },
        { memoryBudget: BUDGET, workDir: work },
      ).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(EdgePushError.is(err, 'unavailable'), `unavailable expected, got ${String(err)}`);
      assert.match(
        err.message,
        new RegExp(`uploading blob sha256:[0-9a-f]{12}… to ${repo} failed: registry ${relayHost}:5000 does not answer`),
      );
      assert.deepEqual(
        readdirSync(work).filter((n) => !spool.dir.endsWith(n)),
        [],
        'the delta and its folder are gone',
      );
      // the same while a large image's layer is on its way (a repository that has none of its blobs)
      const relay2Host = testAddress(81, 42);
      const relay2 = await vanishingRelay(relay2Host, 5000, { host: reg.address, port: reg.port });
      try {
        const cut = new RegistryClient(parseRegistryAddress(`http://${relay2Host}:5000`));
        await assert.rejects(
          pushImage(cut, `${repo}-cut`, 'v2', to, { workDir: spool.dir }),
          (e: unknown) =>
            EdgePushError.is(e, 'unavailable') &&
            /uploading blob sha256:[0-9a-f]{12}… to .*-cut failed: registry .* does not answer/.test(e.message),
        );
        assert.deepEqual(readdirSync(spool.dir), [], 'the compressed layer is removed');
      } finally {
        relay2.close();
      }
    } finally {
      await spool.dispose();
    }
    assert.deepEqual(readdirSync(work), [], 'nothing left once the images are let go of');
  } finally {
    relay.close();
    rmSync(work, { recursive: true, force: true });
  }
});
