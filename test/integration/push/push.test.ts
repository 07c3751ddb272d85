// `edgepush push` against a real `edgepush device` on the real engine: both build modes, the --json report,
// a second push of an edit (small delta, new release), a compose project with --env, and `status`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PushReportSchema } from '../../../simulator/push/types.js';
import { docker, execInService, projectCopy, runCli, startDevice, type TestDevice, removeLocalBuildTags } from './harness.js';
import { deviceIdFrom } from '../../../simulator/device/scope.js';
import { testAddress } from '../../testNet.js';

describe('push', () => {
  let dev: TestDevice;
  let hello: Awaited<ReturnType<typeof projectCopy>>;
  before(async () => {
    dev = await startDevice(testAddress(20, 10), 'ep4-push');
    hello = await projectCopy('examples/hello');
  });
  after(async () => {
    await dev?.cleanup();
    await hello?.cleanup();
    await removeLocalBuildTags();
  });

  test('build on the device: --json prints the report on stdout, the service runs, logs show its output', async () => {
    const r = await runCli(['push', hello.dir, '--device', dev.address, '--detached', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = PushReportSchema.parse(JSON.parse(r.stdout));
    assert.equal(report.device, dev.address);
    assert.equal(report.services.length, 1);
    const s = report.services[0]!;
    assert.equal(s.name, 'main');
    assert.equal(s.state, 'Running');
    assert.ok(s.imageBytes > 100_000, `image ${s.imageBytes}`);
    assert.ok(s.sentBytes > 0 && s.sentBytes < 100_000, `sent ${s.sentBytes} (the build context)`);
    assert.match(r.stderr, /\[main\] running/);
    const logs = await runCli(['logs', dev.address, '--no-follow', '--service', 'main']);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /\[main\] Hello from EdgePush: first version/);
    // the image carries the labels of a balena push and the device's own, applied in one LABEL step (buildLabels.ts)
    const [c] = await docker.listContainers({ filters: { label: [`io.edgepush.device=${deviceIdFrom(dev.name)}`] } });
    const labels = (await docker.getImage(c!.ImageID).inspect()).Config.Labels ?? {};
    assert.equal(labels['io.resin.local.image'], '1');
    assert.equal(labels['io.resin.local.service'], 'main');
    assert.equal(labels['io.edgepush.device'], deviceIdFrom(dev.name));
    assert.equal(r.stderr.match(/Step \d+\/\d+ : LABEL /g)?.length, 1, r.stderr);
  });

  test('a second push of an edit: new release, small delta, the new text running; status agrees', async () => {
    await writeFile(join(hello.dir, 'message.txt'), 'edited by the integration test\n');
    const r = await runCli(['push', hello.dir, '--device', dev.address, '--detached', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = PushReportSchema.parse(JSON.parse(r.stdout));
    const s = report.services[0]!;
    assert.ok(s.deltaBytes > 0 && s.deltaBytes < s.imageBytes / 20, `delta ${s.deltaBytes} of ${s.imageBytes}`);
    assert.ok(s.layerPullBytes < s.imageBytes, 'only the changed layer would be pulled');
    const status = await runCli(['status', dev.address, '--json']);
    assert.equal(status.code, 0, status.stderr);
    const st = JSON.parse(status.stdout) as { release: string; appState: string; services: Array<{ name: string; status: string }> };
    assert.equal(st.release, report.release);
    assert.equal(st.appState, 'applied');
    assert.deepEqual(
      st.services.map((x) => [x.name, x.status]),
      [['main', 'Running']],
    );
    assert.match(await execInService(dev.address, 'main', ['cat', '/app/message.txt']), /edited by the integration test/);
    const text = await runCli(['status', dev.address]);
    assert.match(text.stdout, /main\s+Running/);
  });

  test('build locally and ship: the device runs the locally built image', async () => {
    await writeFile(join(hello.dir, 'message.txt'), 'built on the workstation\n');
    const r = await runCli(['push', hello.dir, '--device', dev.address, '--detached', '--json', '--build-on', 'local']);
    assert.equal(r.code, 0, r.stderr);
    const report = PushReportSchema.parse(JSON.parse(r.stdout));
    const s = report.services[0]!;
    assert.equal(s.state, 'Running');
    assert.ok(
      s.sentBytes > 0 && s.sentBytes < s.imageBytes / 10,
      `a delta was shipped, not the image: sent ${s.sentBytes} of ${s.imageBytes}`,
    );
    assert.match(r.stderr, /\[main\] shipping/);
    assert.match(await execInService(dev.address, 'main', ['cat', '/app/message.txt']), /built on the workstation/);
  });

  test('an image-only compose service runs from an image the device has; a missing one is a clear error', async () => {
    const dir = join(hello.dir, '..', 'image-only');
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, 'docker-compose.yml'),
      'services:\n  plain:\n    image: edgepush-base/busybox:latest\n    command: ["sh", "-c", "trap \'exit 0\' TERM; while :; do echo image-only up; sleep 1 & wait $!; done"]\n',
    );
    const r = await runCli(['push', dir, '--device', dev.address, '--detached', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const s = PushReportSchema.parse(JSON.parse(r.stdout)).services[0]!;
    assert.deepEqual([s.name, s.state, s.sentBytes], ['plain', 'Running', 0]);
    await writeFile(join(dir, 'docker-compose.yml'), 'services:\n  plain:\n    image: edgepush-test/no-such-image:1\n');
    const missing = await runCli(['push', dir, '--device', dev.address, '--detached']);
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /image edgepush-test\/no-such-image:1 is not on the device and could not be pulled/);
  });

  test('a compose project: two services, a shared volume, the template resolved, --env for all and for one', async () => {
    const r = await runCli([
      'push',
      'examples/multi',
      '--device',
      dev.address,
      '--detached',
      '--json',
      '--env',
      'ALL=1',
      '--env',
      'frontend:GREETING=Hi',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const report = PushReportSchema.parse(JSON.parse(r.stdout));
    assert.deepEqual(
      report.services.map((s) => [s.name, s.state]),
      [
        ['counter', 'Running'],
        ['frontend', 'Running'],
      ],
    );
    const env = await execInService(dev.address, 'frontend', ['env']);
    assert.match(env, /^GREETING=Hi$/m);
    assert.match(env, /^ALL=1$/m);
    assert.match(env, /^DEVICE_ARCH=amd64$/m);
    assert.match(await execInService(dev.address, 'counter', ['env']), /^ALL=1$/m);
    // the volume is shared: what counter writes, frontend reads
    let count = '';
    for (let i = 0; i < 20 && !/^\d+/.test(count); i++) {
      count = await execInService(dev.address, 'frontend', ['cat', '/data/count']).catch(() => '');
      await new Promise((res) => setTimeout(res, 250));
    }
    assert.match(count, /^\d+/);
  });
});
