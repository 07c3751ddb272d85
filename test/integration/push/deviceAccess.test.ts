// What users of device tools reach for, against a real `edgepush device` on the real engine: a device started
// with --api-key takes a push with the key (flag or EDGEPUSH_API_KEY) and refuses one without; `edgepush ssh`
// runs a command in a service (argument or piped stdin, its exit code kept) and says what is possible without a
// service; `logs --tail/--since`; push --dockerfile/--build-arg/--nocache/--nologs; Purge Data and Reboot.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, connect, type Server } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceClient } from '../../../simulator/push/deviceClient.js';
import { CLI, runCli, startDevice, type CliResult, type TestDevice } from './harness.js';
import { testAddress } from '../../testNet.js';

const KEY = 'k3y-for-tests';

/** The CLI with stdin and extra environment. */
function cli(args: string[], o: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...o.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.end(o.input ?? '');
    const t = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

describe('a device with an API key, shells, logs windows, build flags, purge and reboot', () => {
  let dev: TestDevice;
  let project: string;
  before(async () => {
    dev = await startDevice(testAddress(101, 10), 'ep19-access', { apiKey: KEY });
    project = await mkdtemp(join(tmpdir(), 'ep19-project-'));
    // Two Dockerfiles: --dockerfile picks the second, --build-arg fills its ARG.
    await writeFile(join(project, 'Dockerfile'), 'FROM edgepush-base/busybox\nCMD ["sh", "-c", "echo wrong dockerfile; sleep 3600"]\n');
    await writeFile(
      join(project, 'Dockerfile.alt'),
      'FROM edgepush-base/busybox\nARG GREETING=unset\nRUN echo "$GREETING" > /greeting\nCMD ["sh", "-c", "i=0; while true; do i=$((i+1)); echo \\"$(cat /greeting) $i\\"; sleep 0.3; done"]\n',
    );
  });
  after(async () => {
    await dev?.cleanup();
    if (project) await rm(project, { recursive: true, force: true });
  });

  test('without the key a push is refused and says why; with it (flag or environment) it runs', async () => {
    const refused = await runCli(['push', project, '--device', dev.address, '--detached']);
    assert.equal(refused.code, 3, refused.stderr);
    assert.match(refused.stderr, /refused the call \(401\).*API key/);
    const wrong = await runCli(['status', dev.address, '--api-key', 'not-the-key']);
    assert.equal(wrong.code, 3);
    assert.match(wrong.stderr, /the API key is wrong/);

    const r = await runCli([
      'push',
      project,
      '--device',
      dev.address,
      '--api-key',
      KEY,
      '--dockerfile',
      'Dockerfile.alt',
      '--build-arg',
      'GREETING=hello-from-build-arg',
      '--nocache',
      '--nologs',
      '--detached',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /\[main\] Step \d|RUN echo/, '--nologs hides the build output');
    const status = await cli(['status', dev.address, '--json'], { env: { EDGEPUSH_API_KEY: KEY } });
    assert.equal(status.code, 0, status.stderr);
    assert.equal((JSON.parse(status.stdout) as { services: { status: string }[] }).services[0]?.status, 'Running');
  });

  test('logs: --tail keeps the last lines the device kept, --since only newer ones, in local time', async () => {
    const env = { EDGEPUSH_API_KEY: KEY };
    let all: CliResult | undefined;
    for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
      all = await cli(['logs', dev.address, '--service', 'main'], { env });
      if ((all.stdout.match(/hello-from-build-arg \d+/g) ?? []).length >= 5) break;
    }
    assert.equal(all!.code, 0, all!.stderr);
    assert.doesNotMatch(all!.stdout, /wrong dockerfile/);
    const tail = await cli(['logs', dev.address, '--service', 'main', '--tail', '2'], { env });
    const lines = tail.stdout.trim().split('\n');
    assert.equal(lines.length, 2, tail.stdout);
    for (const l of lines) assert.match(l, /^\d\d:\d\d:\d\d\.\d{3} \[main\] hello-from-build-arg \d+$/);
    const hour = String(new Date().getHours()).padStart(2, '0');
    assert.ok(
      lines[0]!.startsWith(hour) || lines[0]!.startsWith(String((new Date().getHours() + 23) % 24).padStart(2, '0')),
      `local time: ${lines[0]}`,
    );
    const since = await cli(['logs', dev.address, '--service', 'main', '--since', '1s'], { env });
    const n = (since.stdout.match(/hello-from-build-arg/g) ?? []).length;
    assert.ok(n >= 1 && n <= 6, `--since 1s gave ${n} lines:\n${since.stdout}`);
  });

  test('ssh runs a command in the service (argument or piped), keeps its exit code, and says what is possible without a service', async () => {
    const env = { EDGEPUSH_API_KEY: KEY };
    const one = await cli(['ssh', dev.address, 'main', '-c', 'cat /greeting; tr "\\0" " " < /proc/1/cmdline'], { env });
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /^hello-from-build-arg\nsh -c i=0; while true/);
    const piped = await cli(['ssh', dev.address, 'main'], { env, input: 'echo piped $((40+2))\nexit 7\n' });
    assert.equal(piped.code, 7, piped.stderr);
    assert.match(piped.stdout, /piped 42/);
    const noService = await cli(['ssh', dev.address, 'nosuch', '-c', 'true'], { env });
    assert.equal(noService.code, 1);
    assert.match(noService.stderr, /no container for service 'nosuch' \(services: main\)/);
    const host = await cli(['ssh', dev.address], { env });
    assert.equal(host.code, 3);
    assert.match(host.stderr, /no SSH server on port 22222.*edgepush ssh \S+ main/);
  });

  test('through a tunnel: host:port for the supervisor and --engine-port for the engine', async () => {
    // A TCP forwarder stands in for `ssh -L` (no SSH server runs here): two local ports to the device's two.
    const local = testAddress(101, 20);
    const forward = (port: number, to: number) =>
      new Promise<Server>((resolve) => {
        // Half-open kept, as ssh -L keeps it: a shell's output still comes back after its input ended.
        const srv = createServer({ allowHalfOpen: true }, (c) => {
          const up = connect({ host: dev.address, port: to, allowHalfOpen: true });
          c.pipe(up).pipe(c);
          c.on('error', () => up.destroy());
          up.on('error', () => c.destroy());
        });
        srv.listen(port, local, () => resolve(srv));
      });
    const servers = [await forward(41848, 48484), await forward(41237, 2375)];
    try {
      const env = { EDGEPUSH_API_KEY: KEY };
      const status = await cli(['status', `${local}:41848`, '--json'], { env });
      assert.equal(status.code, 0, status.stderr);
      const push = await cli(
        [
          'push',
          project,
          '--device',
          `${local}:41848`,
          '--engine-port',
          '41237',
          '--dockerfile',
          'Dockerfile.alt',
          '--build-arg',
          'GREETING=through-the-tunnel',
          '--detached',
        ],
        { env },
      );
      assert.equal(push.code, 0, push.stderr);
      const ssh = await cli(['ssh', `${local}:41848`, 'main', '--engine-port', '41237', '-c', 'cat /greeting'], { env });
      assert.equal(ssh.stdout.trim(), 'through-the-tunnel', ssh.stderr);
    } finally {
      for (const srv of servers) srv.close();
    }
  });

  test('Purge Data empties the volumes and brings the services back; Reboot restarts them', async () => {
    const client = new DeviceClient(dev.address, { apiKey: KEY });
    const env = { EDGEPUSH_API_KEY: KEY };
    const write = await cli(['ssh', dev.address, 'main', '-c', 'echo kept > /data/file && ls /data'], { env });
    assert.equal(write.code, 0, write.stderr);
    assert.match(write.stdout, /file/);
    const idBefore = await client.containerId('main');
    await client.purge();
    let after = '';
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 500))) {
      const r = await cli(['ssh', dev.address, 'main', '-c', 'ls -A /data; echo end'], { env });
      after = r.stdout;
      if (r.code === 0) break;
    }
    assert.equal(after.trim(), 'end', 'the volume is empty after the purge');
    assert.notEqual(await client.containerId('main'), idBefore, 'the service was made again');

    const started = (
      await client
        .engine()
        .getContainer(await client.containerId('main'))
        .inspect()
    ).State.StartedAt;
    await client.reboot();
    const restarted = (
      await client
        .engine()
        .getContainer(await client.containerId('main'))
        .inspect()
    ).State.StartedAt;
    assert.ok(Date.parse(restarted) > Date.parse(started), `restarted at ${restarted}, was ${started}`);
    const noKey = await new DeviceClient(dev.address).reboot().then(
      () => 'accepted',
      (err: Error) => err.message,
    );
    assert.match(noKey, /401/);
  });
});
