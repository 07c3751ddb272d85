// The QEMU board end to end, through the CLI a user runs: build (or reuse) the Debian board image, boot a board
// on 127.0.40.10, check the device answers through the forwarded ports, run a release on it and read its log
// line, cut the power in the middle of an update, boot again and check the board runs the old or the new release
// and then completes the update, and finally power it off cleanly. Needs root for the first image build.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deviceStatus, getJson, postRelease, serviceOutput, sleep, targetCommit, waitApplied, waitServiceLog } from './supervisorClient.js';

const address = '127.0.40.10';
const name = 'boardtest';
const stateDir = mkdtempSync(join(tmpdir(), 'edgepush-board-test-'));
const env = { ...process.env, EDGEPUSH_BOARD_STATE: stateDir };

function cli(args: string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/cli.js', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

async function startBoard(): Promise<void> {
  const r = await cli(['board', 'start', name, '--address', address], 10 * 60_000);
  assert.equal(r.code, 0, `board start failed:\n${r.stderr}`);
  assert.match(r.stdout, /online in [\d.]+ s/);
}

describe('QEMU board', { timeout: 14 * 60_000 }, () => {
  before(async () => {
    await startBoard();
  });

  after(async () => {
    await cli(['board', 'kill', name], 30_000);
    rmSync(stateDir, { recursive: true, force: true });
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
    assert.ok(boards.some((b) => b.name === name && b.running), list.stdout);
  });

  test('runs a release on its own engine and streams its log line', async () => {
    const base = await cli(['base-images', '--engine', `tcp://${address}:2375`, '--no-node'], 5 * 60_000);
    assert.equal(base.code, 0, base.stderr);
    const line = waitServiceLog(address, /hello from release A/, 3 * 60_000);
    await postRelease(address, 'releaseA', 'hello from release A');
    assert.equal(await line, 'hello from release A');
    const s = await waitApplied(address, 3 * 60_000, ['releaseA']);
    assert.equal(s.release, 'releaseA');
  });

  test('a power cut in the middle of an update leaves the old or the new release, and the update completes', async (t) => {
    await postRelease(address, 'releaseB', 'hello from release B');
    // cut the power while the device is applying B (it has accepted the target, not yet finished)
    assert.equal(await targetCommit(address), 'releaseB');
    const before = await deviceStatus(address).catch(() => undefined);
    const kill = await cli(['board', 'kill', name], 30_000);
    assert.match(kill.stdout, /power cut/);
    t.diagnostic(`cut while the device reported ${before?.appState ?? 'nothing'} for ${before?.release ?? '?'}`);
    await assert.rejects(fetch(`http://${address}:48484/ping`, { signal: AbortSignal.timeout(3000) }));

    await startBoard();
    const first = await waitApplied(address, 4 * 60_000, ['releaseA', 'releaseB']);
    t.diagnostic(`after the power cut the board runs ${first.release}`);
    assert.ok(first.release === 'releaseA' || first.release === 'releaseB', `runs ${first.release}`);
    if (first.release === 'releaseA') {
      // the new target did not survive the cut: the board is consistent on the old release; send it again
      await postRelease(address, 'releaseB', 'hello from release B');
    }
    const done = await waitApplied(address, 4 * 60_000, ['releaseB']);
    assert.equal(done.release, 'releaseB');
    assert.equal(done.containers.filter((c) => c.serviceName === 'main').length, 1, JSON.stringify(done.containers));
    assert.match(await serviceOutput(address, 'main'), /hello from release B/);
    // the engine's store is intact: the base image is still listed
    const images = (await getJson(`http://${address}:2375/images/json`)) as { RepoTags?: string[] }[];
    assert.ok(images.some((i) => i.RepoTags?.includes('edgepush-base/busybox:latest')));
  });

  test('powers off cleanly through QMP', async () => {
    const r = await cli(['board', 'stop', name], 90_000);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /powered off|quit/);
    await sleep(200);
    const list = JSON.parse((await cli(['board', 'list', '--json'], 30_000)).stdout) as { name: string; running: boolean }[];
    assert.ok(list.some((b) => b.name === name && !b.running));
  });
});
