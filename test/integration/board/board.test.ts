// The QEMU board end to end, through the CLI a user runs: build (or reuse) the Debian board image, boot a board
// on this run's 127.B.40.10, check the device answers through the forwarded ports, push examples/hello to it and read the
// app's log line, cut the power in the middle of the next update, boot again and check the board runs the old or
// the new release and then completes the update, push with the official balena CLI, and finally power it off.
// Needs root for the first image build (about a minute); each boot takes 10-30 s under TCG.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  deviceStatus,
  getJson,
  serviceOutput,
  sleep,
  targetCommit,
  waitApplied,
  waitServiceLog,
  type DeviceStatus,
} from './supervisorClient.js';
import { testAddress } from '../../testNet.js';
import { qmpCommand } from '../../../simulator/board/qmp.js';
import { boardPaths } from '../../../simulator/board/paths.js';

const address = testAddress(40, 10);
const name = 'boardtest';
const work = mkdtempSync(join(tmpdir(), 'edgepush-board-test-'));
const stateDir = join(work, 'state');
const env = { ...process.env, EDGEPUSH_BOARD_STATE: stateDir };
/** The official balena CLI 22.5.5, installed by scripts/setup-balena-cli.sh. */
const balena = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'edgepush', 'balena-cli', 'node_modules', '.bin', 'balena');

interface CliRun {
  child: ChildProcess;
  done: Promise<{ code: number; stdout: string; stderr: string }>;
}

function cliStart(args: string[], timeoutMs: number): CliRun {
  const child = spawn(process.execPath, ['dist/cli.js', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
  return { child, done };
}

const cli = (args: string[], timeoutMs: number) => cliStart(args, timeoutMs).done;

async function startBoard(t?: { diagnostic(m: string): void }): Promise<void> {
  let r = await cli(['board', 'start', name, '--address', address], 10 * 60_000);
  if (r.code !== 0 && /did not reach/.test(r.stderr)) {
    // a guest that locks up while booting (rare under TCG) is killed by `board start`; one more power-on
    t?.diagnostic(`the board hung while booting; powering it on again: ${r.stderr.split('\n')[0]}`);
    r = await cli(['board', 'start', name, '--address', address], 10 * 60_000);
  }
  assert.equal(r.code, 0, `board start failed:\n${r.stderr}`);
  assert.match(r.stdout, /online in [\d.]+ s/);
}

/**
 * Waits for the device to converge; if the guest stops answering altogether (the rare TCG lockup while runc
 * starts a container), power-cycles it once, as a user would, and waits again: the convergence rule holds
 * after any power cut.
 */
async function converge(t: { diagnostic(m: string): void }, ok: (release: string) => boolean): Promise<DeviceStatus> {
  try {
    return await waitApplied(address, 4 * 60_000, ok);
  } catch (err) {
    const alive = await fetch(`http://${address}:48484/ping`, { signal: AbortSignal.timeout(15_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (alive) throw err;
    t.diagnostic('the board stopped answering; power-cycling it');
    await cli(['board', 'kill', name], 30_000);
    await startBoard(t);
    return waitApplied(address, 4 * 60_000, ok);
  }
}

/** examples/hello with its message changed: a new release to push. */
function helloWith(message: string): string {
  const dir = join(work, `hello-${message.replace(/\W+/g, '-')}`);
  cpSync('examples/hello', dir, { recursive: true });
  writeFileSync(join(dir, 'message.txt'), `${message}\n`);
  return dir;
}

const push = (dir: string) => cliStart(['push', dir, '--device', address, '--nolive', '--detached'], 8 * 60_000);

describe('QEMU board', { timeout: 14 * 60_000 }, () => {
  let releaseA = '';

  before(async () => {
    await startBoard();
  });

  after(async () => {
    await cli(['board', 'kill', name], 30_000);
    rmSync(work, { recursive: true, force: true });
  });

  test('answers like a balenaOS development device on the forwarded ports', async () => {
    const r = await fetch(`http://${address}:48484/ping`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(r.status, 200);
    assert.deepEqual(await getJson(`http://${address}:48484/v2/local/device-info`), {
      status: 'success',
      info: { arch: 'amd64', deviceType: 'genericx86-64-ext' },
    });
    const engine = await fetch(`http://${address}:2375/_ping`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(await engine.text(), 'OK');
    const list = await cli(['board', 'list', '--json'], 30_000);
    const boards = JSON.parse(list.stdout) as { name: string; running: boolean }[];
    assert.ok(
      boards.some((b) => b.name === name && b.running),
      list.stdout,
    );
  });

  test('edgepush push examples/hello on a fresh board, as the README says (no base image loaded by hand), puts its base image there and runs the app', async (t) => {
    // nothing is loaded by hand: `board start` made edgepush-base/busybox on the board before its state was saved
    // (a board restored from that state has it), or the push finds it missing and puts it there, made on the
    // board's engine for its arch or else sent over from this machine
    const r = await push('examples/hello').done;
    assert.equal(r.code, 0, `push failed:\n${r.stderr}`);
    const images = (await getJson(`http://${address}:2375/images/json`)) as { RepoTags?: string[] }[];
    assert.ok(
      images.some((i) => i.RepoTags?.includes('edgepush-base/busybox:latest')),
      JSON.stringify(images.map((i) => i.RepoTags)),
    );
    t.diagnostic(
      /edgepush-base\/busybox:latest: built|sent edgepush-base\/busybox/.test(r.stderr)
        ? 'the push put the base image on the board'
        : 'the base image was on the board already (made before its state was saved)',
    );
    assert.match(await waitServiceLog(address, /Hello from EdgePush: first version/, 2 * 60_000), /first version \(#\d+\)/);
    const s = await converge(t, () => true);
    releaseA = s.release ?? '';
    assert.ok(releaseA, 'the device reports the release it runs');
  });

  test('edgepush ssh runs a command in the service on the board, and says the host OS has no SSH server', async () => {
    const r = await cli(['ssh', address, 'main', '-c', 'echo in-board-$((6*7)); tr "\\0" " " < /proc/1/cmdline'], 60_000);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^in-board-42\nsh \/app\/hello.sh/);
    const host = await cli(['ssh', address], 30_000);
    assert.equal(host.code, 3, host.stderr); // the board image runs no sshd (yet): said, with the way that works
    assert.match(host.stderr, /no SSH server on port 22222.*edgepush ssh \S+ main/);
  });

  test('a guest that stops answering in the middle of a push is reported by the watchdog (about 7 s), with a power cycle offered', async (t) => {
    // the hang is made real: QMP `stop` freezes the guest's CPUs while QEMU and its port forwards stay up, as in
    // the TCG lock-up (connections are accepted and never answered)
    const qmp = boardPaths(name, stateDir).qmp;
    const run = cliStart(['push', helloWith('during a hang'), '--device', address, '--nolive', '--detached'], 3 * 60_000);
    let stderr = '';
    run.child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const until = Date.now() + 2 * 60_000;
    while (!/building on/.test(stderr) && Date.now() < until) await sleep(100);
    await qmpCommand(qmp, 'stop');
    const frozenAt = Date.now();
    try {
      const r = await run.done;
      const seconds = (Date.now() - frozenAt) / 1000;
      assert.equal(r.code, 3, r.stderr);
      assert.match(
        r.stderr,
        /board boardtest stopped answering \(no answer from its supervisor for [\d.]+ s while QEMU runs: the guest is hung\)/,
      );
      assert.match(r.stderr, /edgepush board cycle boardtest/);
      // The watchdog's own figure (6 s without an answer, probed every second) is about 7 s on a quiet machine; the
      // bound here only tells the watchdog's report from the push's own 120 s time limit on a loaded CI machine.
      t.diagnostic(`reported ${seconds.toFixed(1)} s after the guest froze`);
      assert.ok(seconds <= 30, `reported ${seconds.toFixed(1)} s after the guest froze`);
    } finally {
      await qmpCommand(qmp, 'cont');
    }
    const again = await fetch(`http://${address}:48484/ping`, { signal: AbortSignal.timeout(30_000) });
    assert.equal(again.status, 200);
  });

  test('a power cut in the middle of an update leaves the old or the new release, and the update completes', async (t) => {
    const dirB = helloWith('second version');
    const pushB = push(dirB);
    // cut the power as soon as the device has accepted the new target (built, not yet running)
    const until = Date.now() + 5 * 60_000;
    let accepted: string | undefined;
    while (Date.now() < until) {
      accepted = await targetCommit(address).catch(() => undefined);
      if (accepted && accepted !== releaseA) break;
      await sleep(200);
    }
    assert.ok(accepted && accepted !== releaseA, 'the device accepted the new release');
    const before = await deviceStatus(address).catch(() => undefined);
    const kill = await cli(['board', 'kill', name], 30_000);
    assert.match(kill.stdout, /power cut/);
    t.diagnostic(`cut while the device reported ${before?.appState ?? 'nothing'} for ${before?.release ?? '?'}`);
    pushB.child.kill('SIGKILL');
    await pushB.done;
    await assert.rejects(fetch(`http://${address}:48484/ping`, { signal: AbortSignal.timeout(3000) }));

    await startBoard(t);
    const releaseB = accepted;
    const first = await converge(t, (r) => r === releaseA || r === releaseB);
    t.diagnostic(`after the power cut the board runs ${first.release === releaseA ? 'the old' : 'the new'} release`);
    if (first.release === releaseA) {
      // the new target did not survive the cut: the board is consistent on the old release; push again
      const again = await push(dirB).done;
      assert.equal(again.code, 0, `push after the power cut failed:\n${again.stderr}`);
    }
    const done = await converge(t, (r) => r !== releaseA);
    assert.equal(done.containers.filter((c) => c.serviceName === 'main').length, 1, JSON.stringify(done.containers));
    assert.match(await serviceOutput(address, 'main'), /Hello from EdgePush: second version/);
    // the engine's store is intact: the base image is still listed beside the app's image
    const images = (await getJson(`http://${address}:2375/images/json`)) as { RepoTags?: string[] }[];
    assert.ok(images.some((i) => i.RepoTags?.includes('edgepush-base/busybox:latest')));
  });

  test('the official balena CLI pushes to the board like to a LAN device', async () => {
    assert.ok(existsSync(balena), `balena CLI not found at ${balena}: run bash scripts/setup-balena-cli.sh`);
    const previous = (await deviceStatus(address)).release;
    const r = await new Promise<{ code: number; out: string }>((resolve, reject) => {
      const child = spawn(balena, ['push', address, '--nolive', '--detached'], {
        cwd: 'examples/hello',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 5 * 60_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, out });
      });
    });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /Successfully built/);
    const s = await waitApplied(address, 3 * 60_000, (r) => r !== previous);
    assert.ok(
      s.containers.some((c) => c.serviceName === 'main' && /running/i.test(c.status)),
      JSON.stringify(s.containers),
    );
  });

  test('powers off cleanly through its ACPI power button (QMP system_powerdown)', async () => {
    const r = await cli(['board', 'stop', name], 90_000);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /powered off in/, 'the guest powered itself off (not QEMU told to quit)');
    const list = JSON.parse((await cli(['board', 'list', '--json'], 30_000)).stdout) as { name: string; running: boolean }[];
    assert.ok(list.some((b) => b.name === name && !b.running));
  });
});
