// `--build-on local` to a stock device (`edgepush device --stock`: no EdgePush endpoints, only the supervisor
// API and the engine API, as a stock balenaOS development device) sends an EdgePush delta through a helper
// container on the device's engine: the device ends up with exactly the image built here (same id), a connection
// cut in the middle of the delta resumes, and a device without room refuses before any delta byte is sent.
// Real parts: `edgepush device` agents and the CLI from dist/, this machine's dockerd, a TCP relay that really cuts.
// The helper container runs on the host's network to reach the engine port (a stock device, and `--stock`, allow
// it); the no-room device states its free disk with --disk-free (the simulated device passes it to containers:
// the one stand-in here, as this machine's disk is not small).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeviceClient } from '../../../simulator/push/deviceClient.js';
import { localBuildTag } from '../../../simulator/push/build/buildServices.js';
import { PushReportSchema } from '../../../simulator/push/types.js';
import { docker, projectCopy, removeProjectBuildTags, runCli, startDevice, type TestDevice } from './harness.js';
import { testAddress } from '../../testNet.js';
import { cuttingRelay } from './cuttingRelay.js';

const STOCK = testAddress(20, 60);
const FULL = testAddress(20, 61);
const RELAY_PORT = 23750;

async function deviceImageOf(address: string, service: string, enginePort?: number): Promise<string> {
  const client = new DeviceClient(address, { enginePort });
  const id = await client.containerId(service);
  return String((await client.engine().getContainer(id!).inspect()).Image);
}

describe('delta to a stock device through a helper container', { timeout: 300_000 }, () => {
  let dev: TestDevice;
  let full: TestDevice;
  let project: Awaited<ReturnType<typeof projectCopy>>;
  before(async () => {
    [dev, full] = await Promise.all([
      startDevice(STOCK, 'stock', { stock: true }),
      startDevice(FULL, 'stockfull', { stock: true, diskFree: '1MB' }),
    ]);
    project = await projectCopy('examples/hello');
  });
  after(async () => {
    await Promise.all([dev?.cleanup(), full?.cleanup()]);
    if (project) await removeProjectBuildTags(project.dir, ['main']);
    await project?.cleanup();
  });

  test('the stock device offers no EdgePush endpoint', async () => {
    const r = await fetch(`http://${STOCK}:48484/v2/edgepush/stats`);
    assert.equal(r.status, 404);
    assert.equal(await new DeviceClient(STOCK).edgepushStats(), undefined);
  });

  test('pushes go as deltas via the helper, the image is the one built here, and a cut resumes', async () => {
    const push = async (enginePort?: number) => {
      const r = await runCli([
        'push',
        project.dir,
        '--device',
        STOCK,
        '--detached',
        '--json',
        '--build-on',
        'local',
        ...(enginePort ? ['--engine-port', String(enginePort)] : []),
      ]);
      assert.equal(r.code, 0, r.stderr);
      const report = PushReportSchema.parse(JSON.parse(r.stdout));
      const local = String((await docker.getImage(localBuildTag({ dir: project.dir, name: 'app' }, 'main')).inspect()).Id);
      assert.equal(await deviceImageOf(STOCK, 'main'), local, 'the device runs exactly the image built here');
      return { s: report.services[0]!, stderr: r.stderr };
    };
    const first = await push();
    assert.equal(first.s.method, 'delta-helper', first.stderr);
    assert.ok(
      first.s.helperBytes! > 0 && first.s.helperBytes! < 1_000_000,
      `the helper program was put in once (${first.s.helperBytes} bytes; its image was on the device)`,
    );

    await appendFile(join(project.dir, 'message.txt'), 'one more line\n');
    const second = await push();
    assert.equal(second.s.method, 'delta-helper');
    assert.equal(second.s.helperBytes, 0, 'the helper is there already');
    assert.ok(second.s.sentBytes < 2 * second.s.deltaBytes + 2048, `sent ${second.s.sentBytes} for a delta of ${second.s.deltaBytes}`);
    assert.ok(second.s.sentBytes < second.s.imageBytes / 10);

    await writeFile(join(project.dir, 'noise.bin'), randomBytes(2_500_000));
    const relay = await cuttingRelay(STOCK, RELAY_PORT, { host: STOCK, port: 2375 });
    try {
      const third = await push(RELAY_PORT);
      assert.equal(third.s.method, 'delta-helper', third.stderr);
      assert.equal(relay.cuts(), 1, 'the relay cut one upload');
      assert.match(third.stderr, /resuming/);
      assert.ok(
        third.s.sentBytes < third.s.deltaBytes + 1_200_000,
        `resumed, not restarted (${third.s.sentBytes} for ${third.s.deltaBytes})`,
      );
    } finally {
      relay.server.close();
    }
  });

  test('a device without room refuses before the delta is sent', async () => {
    const r = await runCli(['push', project.dir, '--device', FULL, '--detached', '--json', '--build-on', 'local']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /disk free; this update of main needs about .*Nothing was sent/);
    const images = await new DeviceClient(FULL).engine().listImages();
    assert.ok(
      !images.some((i) => (i.RepoTags ?? []).some((t) => t.startsWith('local_image_main'))),
      'no image for the service reached the device',
    );
  });
});
