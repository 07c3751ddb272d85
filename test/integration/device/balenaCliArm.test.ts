// The official balena CLI pushes the template example to a simulated raspberrypi4-64 device (issue 12): it asks
// the device for its type and arch, resolves %%BALENA_ARCH%% itself and builds on the device's engine; the
// container runs aarch64 binaries (qemu-user through binfmt_misc, scripts/setup.sh arm). A project on the plain
// `edgepush-base/busybox` is built on the device's own arch too (the device edits the context's Dockerfile).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestDevice, status, waitFor, serviceContainers, docker, type TestDevice } from './helpers.js';
import { ensureArchBaseImages } from '../../../simulator/device/archBaseImages.js';
import { emulationState } from '../../../simulator/device/emulation.js';
import { testAddress } from '../../testNet.js';

const BALENA = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'edgepush', 'balena-cli', 'node_modules', '.bin', 'balena');
const skip = emulationState('aarch64').ok ? false : 'no qemu-user binfmt handlers on this machine (bash scripts/setup.sh arm)';
let dev: TestDevice;
let project: string;

before(async () => {
  if (skip) return;
  assert.ok(existsSync(BALENA), `balena CLI not found at ${BALENA}: run bash scripts/setup-balena-cli.sh`);
  // The balena CLI knows nothing of EdgePush's base images: they are made first, as `edgepush push` would.
  await ensureArchBaseImages(docker, 'aarch64', { node: false });
  dev = await startTestDevice(testAddress(120, 41), { deviceType: 'raspberrypi4-64' });
  project = mkdtempSync(join(tmpdir(), 'ep-balena-arm-'));
  cpSync('examples/arch', project, { recursive: true });
});
after(async () => {
  await dev?.cleanup();
  if (project) rmSync(project, { recursive: true, force: true });
});

function balena(args: string[], timeoutMs = 180_000, cwd = project): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(BALENA, args, {
      cwd,
      env: { ...process.env, BALENARC_NO_ANALYTICS: '1', BALENARC_NO_SENTRY: '1', BALENARC_DATA_DIRECTORY: join(cwd, '.balena') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`balena ${args.join(' ')} timed out:\n${out.slice(-3000)}`));
    }, timeoutMs);
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

test('balena push to a simulated raspberrypi4-64: the template resolves for aarch64 and runs as aarch64', { skip }, async () => {
  const r = await balena(['push', dev.address, '--nolive', '--detached']);
  assert.equal(r.code, 0, r.out.slice(-3000));
  await waitFor('applied', async () => {
    const s = await status(dev.address);
    return s.appState === 'applied' && s.containers[0]?.status === 'Running' ? s : undefined;
  });
  const [c] = await serviceContainers(dev, 'main');
  const image = await docker.getImage((await docker.getContainer(c!.Id).inspect()).Image).inspect();
  assert.equal(image.Architecture, 'arm64');
  const line = await waitFor('the arch line', async () => {
    const logs = (await docker.getContainer(c!.Id).logs({ stdout: true, stderr: true })).toString();
    return /running on \S+/.test(logs) ? logs : undefined;
  });
  assert.match(line, /device type raspberrypi4-64, balena arch aarch64, built on aarch64, running on aarch64/);
});

test('balena push of a project on plain edgepush-base/busybox: the device builds it on its own arch', { skip }, async () => {
  const plain = mkdtempSync(join(tmpdir(), 'ep-balena-arm-plain-'));
  try {
    writeFileSync(
      join(plain, 'Dockerfile'),
      'FROM edgepush-base/busybox\nCMD ["sh", "-c", "echo plain base on $(uname -m); trap \'exit 0\' TERM; while true; do sleep 1; done"]\n',
    );
    // balena push may reuse its release value: the new container is what tells the update apart
    const previous = (await status(dev.address)).containers[0]?.containerId;
    const r = await balena(['push', dev.address, '--nolive', '--detached'], 180_000, plain);
    assert.equal(r.code, 0, r.out.slice(-3000));
    await waitFor(
      'applied',
      async () => {
        const s = await status(dev.address);
        return s.appState === 'applied' && s.containers[0]?.containerId !== previous && s.containers[0]?.status === 'Running'
          ? s
          : undefined;
      },
      120_000,
    ).catch(async (err: unknown) => {
      throw new Error(`${String(err)}\n${JSON.stringify(await status(dev.address))}\n${r.out.slice(-1500)}\n${dev.stderr().slice(-1500)}`);
    });
    const [c] = await serviceContainers(dev, 'main');
    assert.equal((await docker.getImage((await docker.getContainer(c!.Id).inspect()).Image).inspect()).Architecture, 'arm64');
    const logs = await waitFor('the line', async () => {
      const text = (await docker.getContainer(c!.Id).logs({ stdout: true, stderr: true })).toString();
      return /plain base on/.test(text) ? text : undefined;
    });
    assert.match(logs, /plain base on aarch64/);
  } finally {
    rmSync(plain, { recursive: true, force: true });
  }
});
