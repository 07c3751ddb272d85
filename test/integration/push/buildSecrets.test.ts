// Build secrets from `.balena/balena.yml` (global and per service) on a real simulated device, built on the
// device's engine and on this machine's: a RUN (plain, and a heredoc) reads them at /run/secrets, the image
// runs, and the secret value is in no layer of the built image (`docker save`, every byte of every layer
// looked at). The one-layer secrets image is gone after the build.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { deviceIdFrom } from '../../../simulator/device/scope.js';
import { SECRETS_REPO } from '../../../simulator/push/build/buildSecrets.js';
import { localBuildTag } from '../../../simulator/push/build/buildServices.js';
import { docker, execInService, removeLocalBuildTags, runCli, startDevice, type TestDevice } from './harness.js';
import { testAddress } from '../../testNet.js';

const LOOP = 'CMD ["sh", "-c", "trap \'exit 0\' INT TERM; while true; do sleep 1; done"]';
const sha16 = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);
/** Fresh secret values for each build (BuildKit would rightly reuse the cache of a build with the same ones). */
const project = (token: string, conf: string): Record<string, string> => ({
  'docker-compose.yml': "version: '2.4'\nservices:\n  secretapp:\n    build: ./app\n",
  'app/Dockerfile': [
    'FROM edgepush-base/busybox:latest',
    // The Dockerfile names the secret by its hash only: the image's history holds each RUN line.
    'RUN test "$(sha256sum < /run/secrets/api-token | cut -c1-16)" = "' +
      sha16(token) +
      '" && echo "token ok: $(wc -c < /run/secrets/api-token) bytes" && cut -c1-4 /run/secrets/api-token > /token-prefix',
    'RUN <<EOF',
    'set -e',
    'test "$(sha256sum < /run/secrets/conf/app.conf | cut -c1-16)" = "' + sha16(`${conf}\n`) + '"',
    'echo "per-service secret ok"',
    'EOF',
    LOOP,
    '',
  ].join('\n'),
  '.balena/balena.yml':
    'build-secrets:\n  global:\n    - source: token.txt\n      dest: api-token\n  services:\n    secretapp:\n      - source: app.conf\n        dest: conf/app.conf\n',
  '.balena/secrets/token.txt': token,
  '.balena/secrets/app.conf': `${conf}\n`,
});

async function writeProject(dir: string, files: Record<string, string>): Promise<void> {
  for (const [p, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, p)), { recursive: true });
    await writeFile(join(dir, p), text);
  }
}

/** Every byte `docker save` gives for the image (layers are plain tars inside it, so a file's content shows as is). */
async function savedImage(ref: string): Promise<Buffer> {
  const stream = (await docker.getImage(ref).get()) as unknown as Readable;
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function serviceImage(dev: TestDevice): Promise<string> {
  const rows = await docker.listContainers({
    all: true,
    filters: JSON.stringify({ label: [`io.edgepush.device=${deviceIdFrom(dev.name)}`, 'io.balena.service-name=secretapp'] }),
  });
  assert.equal(rows.length, 1, 'one container for the service');
  return (await docker.getContainer(rows[0]!.Id).inspect()).Image;
}

async function secretsImagesLeft(): Promise<string[]> {
  const images = await docker.listImages({ filters: JSON.stringify({ reference: [`${SECRETS_REPO}:secretapp-*`] }) });
  return images.flatMap((i) => i.RepoTags ?? []);
}

describe('build secrets', () => {
  let dev: TestDevice;
  let root: string;
  before(async () => {
    dev = await startDevice(testAddress(60, 20), 'ep11-secrets');
    root = await mkdtemp(join(tmpdir(), 'ep11-secrets-'));
  });
  after(async () => {
    await dev?.cleanup();
    await removeLocalBuildTags();
    if (root) await rm(root, { recursive: true, force: true });
  });

  for (const buildOn of ['device', 'local'] as const) {
    test(`built on the ${buildOn}: RUN reads the secrets; no layer of the image holds them`, async () => {
      const token = `tok-${randomBytes(12).toString('hex')}`;
      const conf = `conf-${randomBytes(12).toString('hex')}`;
      const dir = join(root, buildOn);
      await writeProject(dir, project(token, conf));
      const r = await runCli(['push', dir, '--device', dev.address, '--build-on', buildOn, '--detached'], 240_000);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /build secrets \(api-token, conf\/app\.conf\) mounted at \/run\/secrets/);
      assert.match(r.stderr, /token ok: 28 bytes/, 'the plain RUN read the global secret');
      assert.match(r.stderr, /per-service secret ok/, 'the heredoc RUN read the service secret');
      assert.equal(
        (await execInService(dev.address, 'secretapp', ['cat', '/token-prefix'])).trim(),
        'tok-',
        'the image is the one that was built',
      );
      assert.equal(await execInService(dev.address, 'secretapp', ['ls', '-A', '/run/secrets']), '', 'no secret in the running container');

      const saved = await savedImage(await serviceImage(dev));
      assert.ok(saved.length > 100_000, `docker save gave the image (${saved.length} bytes)`);
      assert.equal(saved.indexOf(token), -1, 'the global secret is in no layer');
      assert.equal(saved.indexOf(conf), -1, 'the service secret is in no layer');
      if (buildOn === 'local')
        assert.equal(
          (await savedImage(localBuildTag({ dir: resolve(dir), name: basename(dir) }, 'secretapp'))).indexOf(token),
          -1,
          'nor in the local build',
        );
      assert.deepEqual(await secretsImagesLeft(), [], 'the secrets image was removed');
    });
  }
});
