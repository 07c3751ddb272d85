// The aarch64 QEMU board (issue 12) through the CLI a user runs: `board start --device-type raspberrypi4-64` builds
// (or reuses) the arm64 image (debootstrap's second stage under qemu-user) and boots it on qemu-system-aarch64's
// virt machine under TCG; the device reports its type and arch, takes a push of examples/arch (the aarch64 base
// image made on the way) whose log says aarch64, converges to the old or the new release after a power cut in the
// middle of the next update, and powers off through its power button (the init's own clean power-off). Needs root for the first image build (many minutes under qemu-user);
// each boot takes about a minute under TCG here. Skipped without qemu-system-aarch64 or the binfmt handlers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getJson, serviceOutput, sleep, targetCommit, waitApplied, type DeviceStatus } from './supervisorClient.js';
import { testAddress } from '../../testNet.js';

const address = testAddress(123, 10);
const name = 'armboardtest';
const work = mkdtempSync(join(tmpdir(), 'edgepush-armboard-test-'));
const stateDir = join(work, 'state');
const env = { ...process.env, EDGEPUSH_BOARD_STATE: stateDir };
const skip =
  spawnSync('qemu-system-aarch64', ['--version']).status !== 0
    ? 'no qemu-system-aarch64 (bash scripts/setup.sh arm)'
    : !existsSync('/proc/sys/fs/binfmt_misc/qemu-aarch64')
      ? 'no qemu-user binfmt handler (bash scripts/setup.sh arm)'
      : false;

function cliStart(
  args: string[],
  timeoutMs: number,
): { child: ChildProcess; done: Promise<{ code: number; stdout: string; stderr: string }> } {
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

async function startBoard(): Promise<void> {
  const r = await cli(['board', 'start', name, '--address', address, '--device-type', 'raspberrypi4-64'], 60 * 60_000);
  assert.equal(r.code, 0, `board start failed:\n${r.stderr}`);
  assert.match(r.stdout, /online in [\d.]+ s/);
}

/** examples/arch with a marker line: a new release to push. */
function archWith(marker: string): string {
  const dir = join(work, `arch-${marker}`);
  cpSync('examples/arch', dir, { recursive: true });
  writeFileSync(join(dir, 'Dockerfile.template'), `${readFileSync(join(dir, 'Dockerfile.template'), 'utf8')}ENV MARKER=${marker}\n`);
  return dir;
}

/** What the main service printed, once it matches (the container may still be starting under TCG). */
async function outputMatching(want: RegExp, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = await serviceOutput(address, 'main').catch((err: unknown) => String(err));
    if (want.test(last)) return last;
    await sleep(1000);
  }
  return last;
}

const push = (dir: string) => cliStart(['push', dir, '--device', address, '--nolive', '--detached'], 20 * 60_000);

describe('aarch64 QEMU board', { skip, timeout: 90 * 60_000 }, () => {
  let releaseA = '';
  before(async () => {
    await startBoard();
  });
  after(async () => {
    await cli(['board', 'kill', name], 30_000);
    rmSync(work, { recursive: true, force: true });
  });

  test('reports a raspberrypi4-64 (aarch64) on the forwarded ports', async () => {
    assert.deepEqual(await getJson(`http://${address}:48484/v2/local/device-info`), {
      status: 'success',
      info: { arch: 'aarch64', deviceType: 'raspberrypi4-64' },
    });
  });

  test('edgepush push examples/arch runs it as aarch64 (base image made for the board on the way)', async () => {
    const r = await push('examples/arch').done;
    assert.equal(r.code, 0, `push failed:\n${r.stderr}`);
    // the app prints its line once, maybe before a log stream could connect: read what the container printed
    assert.match(
      await outputMatching(/running on \S+/, 5 * 60_000),
      /device type raspberrypi4-64, balena arch aarch64, built on aarch64, running on aarch64/,
    );
    const s: DeviceStatus = await waitApplied(address, 5 * 60_000, () => true);
    releaseA = s.release ?? '';
    assert.ok(releaseA);
  });

  test('a power cut in the middle of an update leaves the old or the new release, and the update completes', async (t) => {
    const dirB = archWith('second');
    const pushB = push(dirB);
    const until = Date.now() + 10 * 60_000;
    let accepted: string | undefined;
    while (Date.now() < until) {
      accepted = await targetCommit(address).catch(() => undefined);
      if (accepted && accepted !== releaseA) break;
      await sleep(200);
    }
    assert.ok(accepted && accepted !== releaseA, 'the device accepted the new release');
    const kill = await cli(['board', 'kill', name], 30_000);
    assert.match(kill.stdout, /power cut/);
    pushB.child.kill('SIGKILL');
    await pushB.done;
    await startBoard();
    const first = await waitApplied(address, 8 * 60_000, (r) => r === releaseA || r === accepted);
    t.diagnostic(`after the power cut the board runs ${first.release === releaseA ? 'the old' : 'the new'} release`);
    if (first.release === releaseA) {
      const again = await push(dirB).done;
      assert.equal(again.code, 0, `push after the power cut failed:\n${again.stderr}`);
    }
    const done = await waitApplied(address, 8 * 60_000, (r) => r !== releaseA);
    assert.equal(done.containers.filter((c) => c.serviceName === 'main').length, 1, JSON.stringify(done.containers));
    assert.match(await outputMatching(/running on \S+/, 5 * 60_000), /running on aarch64/);
  });

  test('powers off cleanly through its power button (a virtio-serial port: the virt machine has no ACPI button here)', async () => {
    const r = await cli(['board', 'stop', name], 180_000);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /powered off in/, 'the guest powered itself off (not QEMU told to quit)');
    const consoleLog = readFileSync(join(stateDir, name, 'console.log'), 'utf8');
    assert.match(
      consoleLog,
      /edgepush-phase: poweroff [\d.]+[\s\S]*edgepush-phase: halted/,
      'the init stopped the engine and synced first',
    );
  });
});
