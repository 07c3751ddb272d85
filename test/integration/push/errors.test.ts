// Every way a push can fail says what failed, in one line, with an exit code to match: an unreachable device,
// a device not in local mode or too old, broken projects, bad options, a failing build, and Ctrl-C.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliSession, runCli, startDevice, type TestDevice, removeLocalBuildTags } from './harness.js';
import { testAddress } from '../../testNet.js';

const SILENT = testAddress(20, 250);
const STAND_IN = testAddress(20, 14);
const STAND_IN_2 = testAddress(20, 15);

/** A stand-in supervisor on this run's 127.B.20.x:48484 answering as told (for faults a real device rarely shows on demand). */
function fakeSupervisor(address: string, answer: (path: string, res: ServerResponse) => void): Promise<Server> {
  const server = createServer((req, res) => answer(req.url ?? '/', res));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(48484, address, () => resolve(server));
  });
}

const close = (s: Server | undefined) => new Promise<void>((r) => (s ? s.close(() => r()) : r()));

describe('push errors', () => {
  let dev: TestDevice;
  let root: string;
  const project = async (name: string, files: Record<string, string>) => {
    const dir = join(root, name);
    for (const [p, text] of Object.entries(files)) {
      await mkdir(join(dir, p, '..'), { recursive: true });
      await writeFile(join(dir, p), text);
    }
    return dir;
  };
  before(async () => {
    dev = await startDevice(testAddress(20, 13), 'ep4-errors');
    root = await mkdtemp(join(tmpdir(), 'ep-push-errors-'));
  });
  after(async () => {
    await dev?.cleanup();
    await rm(root, { recursive: true, force: true });
    await removeLocalBuildTags();
  });

  const oneLine = (stderr: string) =>
    stderr
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('edgepush'));

  test('nothing answers at the address: exit 3 for push, status and logs', async () => {
    for (const args of [
      ['push', 'examples/hello', '--device', SILENT],
      ['status', SILENT],
      ['logs', SILENT],
    ]) {
      const r = await runCli(args);
      assert.equal(r.code, 3, `${args[0]}: ${r.stderr}`);
      assert.match(r.stderr, /does not answer on port 48484 \(is it on, reachable, and in local mode\?\)/);
      assert.equal(oneLine(r.stderr).length, 1);
    }
  });

  test('a device not in local mode, or with a supervisor too old: exit 3 with the reason', async () => {
    let s = await fakeSupervisor(STAND_IN, (_p, res) => {
      res.writeHead(401).end('Unauthorized');
    });
    try {
      const r = await runCli(['push', 'examples/hello', '--device', STAND_IN, '--detached']);
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /\/ping answered 401 \(is local mode enabled\?\)/);
    } finally {
      await close(s);
    }
    s = await fakeSupervisor(STAND_IN, (p, res) => {
      if (p === '/ping') return res.writeHead(200).end('OK');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', version: '6.6.0' }));
    });
    try {
      const r = await runCli(['push', 'examples/hello', '--device', STAND_IN, '--detached']);
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /runs supervisor 6\.6\.0; local-mode push needs 7\.21\.4 or newer/);
    } finally {
      await close(s);
    }
  });

  test('broken projects: exit 2 and a message naming the problem', async () => {
    const cases: Array<[Record<string, string>, string[], RegExp]> = [
      [{ 'docker-compose.yml': 'services: [oops' }, [], /docker-compose\.yml:1: not valid YAML/],
      [
        { 'docker-compose.yml': 'services:\n  web:\n    build: .\n    bogus: 1\n', Dockerfile: 'FROM x\n' },
        [],
        /docker-compose\.yml:4: service 'web': bogus: unknown key 'bogus'; balena refuses compose files with unknown keys/,
      ],
      [
        { 'docker-compose.yml': 'services:\n  web:\n    build: ./web\n', 'web/README': 'x' },
        [],
        /service 'web': no Dockerfile in .*web \(looked for Dockerfile\.genericx86-64-ext, Dockerfile\.amd64, Dockerfile\.template, Dockerfile\)/,
      ],
      [{ 'README.md': 'no Dockerfile here' }, [], /service 'main': no Dockerfile/],
      [{ Dockerfile: 'FROM edgepush-base/busybox:latest\n' }, ['--service', 'api'], /unknown service 'api' \(the project has main\)/],
      [{ Dockerfile: 'FROM edgepush-base/busybox:latest\n' }, ['--env', 'api:X=1'], /--env 'api:X=1': unknown service 'api'/],
      [{ Dockerfile: 'FROM edgepush-base/busybox:latest\n' }, ['--env', 'novalue'], /--env 'novalue': expected K=V or service:K=V/],
    ];
    let i = 0;
    for (const [files, extra, message] of cases) {
      const dir = await project(`broken${i++}`, files);
      const r = await runCli(['push', dir, '--device', dev.address, '--detached', ...extra]);
      assert.equal(r.code, 2, `${message}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(oneLine(r.stderr).length, 1, r.stderr);
    }
    const missing = await runCli(['push', join(root, 'nope'), '--device', dev.address]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /does not exist/);
  });

  test('usage mistakes: exit 2', async () => {
    const r = await runCli(['push', 'examples/hello', '--device', dev.address, '--build-on', 'cloud']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--build-on expects device or local, got 'cloud'/);
    const noDevice = await runCli(['push', 'examples/hello']);
    assert.equal(noDevice.code, 2);
    assert.match(noDevice.stderr, /missing required option --device/);
  });

  test('a failing build: exit 4 with the build error, and the device keeps what it ran', async () => {
    const good = await project('good', {
      Dockerfile: 'FROM edgepush-base/busybox:latest\nCMD ["sh", "-c", "trap \'exit 0\' TERM; echo good; sleep 3600 & wait"]\n',
    });
    const ok = await runCli(['push', good, '--device', dev.address, '--detached', '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    const release = (JSON.parse(ok.stdout) as { release: string }).release;
    const bad = await project('bad', { Dockerfile: 'FROM edgepush-base/busybox:latest\nRUN echo about to fail && exit 7\n' });
    for (const buildOn of ['device', 'local']) {
      const r = await runCli(['push', bad, '--device', dev.address, '--detached', '--build-on', buildOn]);
      assert.equal(r.code, 4, `${buildOn}: ${r.stderr}`);
      assert.match(r.stderr, /\[main\] about to fail/);
      assert.match(r.stderr, /edgepush push: service 'main': build failed: .*returned a non-zero code: 7/);
    }
    const status = JSON.parse((await runCli(['status', dev.address, '--json'])).stdout) as {
      release: string;
      services: Array<{ status: string }>;
    };
    assert.equal(status.release, release);
    assert.equal(status.services[0]?.status, 'Running');
  });

  test('a service that crashes on start: exit 5, and the report says it restarts', async () => {
    const crash = await project('crash', { Dockerfile: 'FROM edgepush-base/busybox:latest\nCMD ["sh", "-c", "echo crashing; exit 3"]\n' });
    const r = await runCli(['push', crash, '--device', dev.address, '--detached', '--json']);
    assert.equal(r.code, 5, r.stderr);
    const report = JSON.parse(r.stdout) as { services: Array<{ state: string }> };
    assert.match(report.services[0]!.state, /^(Restarting \(exit 3|exited \(code 3\))/);
    assert.match(r.stderr, /edgepush push: not running: main/);
  });

  test('Ctrl-C stops a push: exit 130, no error message', async () => {
    // A supervisor that never answers /v2/version: the push waits there until interrupted. Ctrl-C comes once
    // the push is seen waiting (the request arrived), not after a guessed delay.
    let asked: () => void = () => undefined;
    const waiting = new Promise<void>((r) => (asked = r));
    const s = await fakeSupervisor(STAND_IN_2, (p, res) => {
      if (p === '/ping') res.writeHead(200).end('OK');
      if (p.startsWith('/v2/version')) asked();
    });
    try {
      const push = new CliSession(['push', 'examples/hello', '--device', STAND_IN_2]);
      await push.waitFor('the push to start', (x) => x.stderr.includes(`connecting to ${STAND_IN_2}`));
      await waiting;
      push.child.kill('SIGINT');
      assert.equal(await push.exited, 130, push.stderr);
      assert.doesNotMatch(push.stderr, /edgepush push:/);
    } finally {
      s.closeAllConnections();
      await close(s);
    }
  });
});
