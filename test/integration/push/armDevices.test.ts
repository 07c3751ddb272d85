// Simulated Raspberry Pi devices (issue 12): a raspberrypi4-64 (aarch64) and a raspberrypi3 (armv7hf) device whose
// containers run ARM binaries under qemu-user (binfmt_misc on this machine's kernel, scripts/setup.sh arm), each
// taking the template example built on the device and built locally; its log shows what `uname -m` says and the
// resolved %%BALENA_ARCH%%, and the image is of the device's architecture.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PushReportSchema } from '../../../simulator/push/types.js';
import { emulationState } from '../../../simulator/device/emulation.js';
import { docker, projectCopy, runCli, startDevice, type TestDevice, removeLocalBuildTags } from './harness.js';
import { testAddress } from '../../testNet.js';

const cases = [
  { deviceType: 'raspberrypi4-64', arch: 'aarch64', uname: 'aarch64', architecture: 'arm64', host: 10 },
  { deviceType: 'raspberrypi3', arch: 'armv7hf', uname: 'armv7l', architecture: 'arm', host: 11 },
] as const;

const skip = emulationState('aarch64').ok ? false : 'no qemu-user binfmt handlers on this machine (bash scripts/setup.sh arm)';

for (const c of cases) {
  describe(`a simulated ${c.deviceType} device`, { skip }, () => {
    let dev: TestDevice;
    let project: Awaited<ReturnType<typeof projectCopy>>;
    before(async () => {
      dev = await startDevice(testAddress(120, c.host), `ep12-${c.arch}`, { deviceType: c.deviceType });
      project = await projectCopy('examples/arch');
    });
    after(async () => {
      await dev?.cleanup();
      await project?.cleanup();
      await removeLocalBuildTags();
    });

    const expected = new RegExp(`device type ${c.deviceType}, balena arch ${c.arch}, built on ${c.uname}, running on ${c.uname}`);

    test('reports its type and arch', async () => {
      const st = await runCli(['status', dev.address, '--json']);
      assert.equal(st.code, 0, st.stderr);
      const info = JSON.parse(st.stdout) as { deviceType: string; arch: string };
      assert.deepEqual([info.deviceType, info.arch], [c.deviceType, c.arch]);
    });

    for (const buildOn of ['device', 'local'] as const) {
      test(`build on ${buildOn}: the template example runs as ${c.uname}`, async () => {
        const since = new Date(Date.now() - 1000).toISOString();
        const r = await runCli(['push', project.dir, '--device', dev.address, '--build-on', buildOn, '--detached', '--json'], 300_000);
        assert.equal(r.code, 0, r.stderr);
        const report = PushReportSchema.parse(JSON.parse(r.stdout));
        assert.equal(report.services[0]!.state, 'Running');
        const ids = (await (await fetch(`http://${dev.address}:48484/v2/containerId`)).json()) as { services: Record<string, string> };
        const container = await docker.getContainer(ids.services.main!).inspect();
        const image = await docker.getImage(container.Image).inspect();
        assert.equal(image.Architecture, c.architecture, 'the running image is of the device architecture');
        const deadline = Date.now() + 60_000;
        let logs = '';
        while (Date.now() < deadline) {
          logs = (await runCli(['logs', dev.address, '--service', 'main', '--since', since])).stdout;
          if (expected.test(logs)) break;
          await new Promise((res) => setTimeout(res, 500));
        }
        assert.match(logs, expected);
      });
    }
  });
}
