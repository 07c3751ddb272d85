// `network_mode: service:web` on a real simulated device, as balena-supervisor runs it: the sidecar is created
// after web and joins the network namespace of web's container, named by its id (not by the service name, which
// is no container's name); web answers the sidecar on 127.0.0.1. When a push replaces web's container, the
// sidecar is replaced too and joins the new one.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { deviceIdFrom } from '../../../simulator/device/scope.js';
import { docker, execUntil, runCli, startDevice, type TestDevice } from './harness.js';
import { testAddress } from '../../testNet.js';

const LOOP = 'CMD ["sh", "-c", "trap \'exit 0\' INT TERM; while true; do sleep 1; done"]';
const project = (greeting: string): Record<string, string> => ({
  // sidecar is listed first: the device must still create web before it
  'docker-compose.yml': `version: '2.4'\nservices:\n  sidecar:\n    build: ./sidecar\n    network_mode: service:web\n  web:\n    build: ./web\n    environment:\n      GREETING: ${greeting}\n`,
  'web/Dockerfile':
    'FROM edgepush-base/busybox:latest\nCMD ["sh", "-c", "mkdir -p /www && echo \\"$GREETING\\" > /www/index.html && exec httpd -f -p 127.0.0.1:8080 -h /www"]\n',
  'sidecar/Dockerfile': `FROM edgepush-base/busybox:latest\n${LOOP}\n`,
});

async function writeProject(dir: string, files: Record<string, string>): Promise<void> {
  for (const [p, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, p)), { recursive: true });
    await writeFile(join(dir, p), text);
  }
}

async function containerOf(dev: TestDevice, service: string) {
  const rows = await docker.listContainers({
    all: true,
    filters: JSON.stringify({ label: [`io.edgepush.device=${deviceIdFrom(dev.name)}`, `io.balena.service-name=${service}`] }),
  });
  assert.equal(rows.length, 1, `one container for ${service}`);
  return docker.getContainer(rows[0]!.Id).inspect();
}

describe('network_mode: service:x', () => {
  let dev: TestDevice;
  let root: string;
  before(async () => {
    dev = await startDevice(testAddress(61, 10), 'ep11-netsvc');
    root = await mkdtemp(join(tmpdir(), 'ep11-netsvc-'));
  });
  after(async () => {
    await dev?.cleanup();
    if (root) await rm(root, { recursive: true, force: true });
  });

  test("the sidecar joins the network of web's container, and follows it when web is replaced", async () => {
    const dir = join(root, 'app');
    for (const greeting of ['hello-1', 'hello-2']) {
      await writeProject(dir, project(greeting));
      const r = await runCli(['push', dir, '--device', dev.address, '--detached'], 180_000);
      assert.equal(r.code, 0, r.stderr);
      const [web, sidecar] = [await containerOf(dev, 'web'), await containerOf(dev, 'sidecar')];
      assert.equal(sidecar.HostConfig.NetworkMode, `container:${web.Id}`);
      assert.ok(new Date(sidecar.Created) >= new Date(web.Created), 'web was created first');
      const got = await execUntil(dev.address, 'sidecar', ['wget', '-qO-', 'http://127.0.0.1:8080/'], (o) => o.trim() === greeting, 15_000);
      assert.equal(got.trim(), greeting, 'web answers the sidecar on 127.0.0.1: one network namespace');
    }
  });
});
