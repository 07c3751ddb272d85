// The official balena CLI 22.5.5 (installed by scripts/setup-balena-cli.sh into the edgepush cache) pushes to
// `edgepush device` unchanged: detached, then attached with the log stream.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestDevice, status, waitFor, serviceContainers, docker, type TestDevice } from './helpers.js';
import { testAddress } from '../../testNet.js';

const BALENA = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'edgepush', 'balena-cli', 'node_modules', '.bin', 'balena');
let dev: TestDevice;
let project: string;

before(async () => {
  assert.ok(existsSync(BALENA), `balena CLI not found at ${BALENA}: run bash scripts/setup-balena-cli.sh`);
  dev = await startTestDevice(testAddress(10, 41));
  project = mkdtempSync(join(tmpdir(), 'ep-balena-project-'));
  writeFileSync(join(project, 'Dockerfile'), 'FROM edgepush-base/busybox:latest\nCOPY start.sh /start.sh\nCMD ["sh", "/start.sh"]\n');
});
after(async () => {
  await dev?.cleanup();
  if (project) rmSync(project, { recursive: true, force: true });
});

/** Runs `balena ARGS`; resolves once `until(output)` holds (then SIGKILLs it: it ignores SIGTERM) or it exits. */
function balena(args: string[], until?: (out: string) => boolean, timeoutMs = 120000): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(BALENA, args, {
      cwd: project,
      env: { ...process.env, BALENARC_NO_ANALYTICS: '1', BALENARC_NO_SENTRY: '1', BALENARC_DATA_DIRECTORY: join(project, '.balena') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`balena ${args.join(' ')} timed out:\n${out.slice(-3000)}`));
    }, timeoutMs);
    const check = (c: Buffer) => {
      out += c.toString();
      if (until?.(out)) child.kill('SIGKILL');
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

test('balena push --nolive --detached: the container runs and the device reports applied', async () => {
  writeFileSync(join(project, 'start.sh'), 'trap "exit 0" TERM\necho "detached says $GREETING"\nwhile true; do sleep 1; done\n');
  const r = await balena(['push', dev.address, '--nolive', '--detached', '--env', 'GREETING=hi']);
  assert.equal(r.code, 0, r.out.slice(-3000));
  const st = await waitFor('applied', async () => {
    const s = await status(dev.address);
    return s.appState === 'applied' && s.containers.length === 1 ? s : undefined;
  });
  assert.equal(st.containers[0]!.status, 'Running');
  const [c] = await serviceContainers(dev, 'main');
  assert.ok((await docker.getContainer(c!.Id).inspect()).Config.Env.includes('GREETING=hi'));
});

test('balena push --nolive (attached): the service output arrives in the CLI log stream', async () => {
  writeFileSync(join(project, 'start.sh'), 'trap "exit 0" TERM\necho "attached marker 4711"\nwhile true; do sleep 1; done\n');
  const r = await balena(['push', dev.address, '--nolive'], (out) => /\[main\] attached marker 4711/.test(out));
  assert.match(r.out, /Streaming device logs/);
  assert.match(r.out, /\[main\] attached marker 4711/);
  assert.match(r.out, /Installing service 'main sha256:/);
  await waitFor('applied', async () => (await status(dev.address)).appState === 'applied');
});
