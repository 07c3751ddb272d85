// Warm starts of the QEMU board, through the CLI: a fresh board of an image and agent that booted once before wakes
// from the state saved after that first boot (seconds, no kernel or init), answers on its own (new) address with
// the right clock, runs a pushed app; a changed agent bundle boots instead. Real QEMU (TCG), real agent.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getJson, sleep, waitApplied, waitServiceLog } from './supervisorClient.js';
import { testAddress } from '../../testNet.js';

const name = 'warmtest';
const work = mkdtempSync(join(tmpdir(), 'edgepush-warm-test-'));
const env = { ...process.env, EDGEPUSH_BOARD_STATE: join(work, 'state') };

function cli(
  args: string[],
  timeoutMs: number,
  extraEnv: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/cli.js', ...args], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
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

async function start(address: string, extra: string[] = [], extraEnv: Record<string, string> = {}) {
  const r = await cli(['board', 'start', name, '--address', address, '--reset', ...extra], 6 * 60_000, extraEnv);
  assert.equal(r.code, 0, `board start failed:\n${r.stderr}`);
  const m = /online in ([\d.]+) s \((?:tcg|kvm), (restored from its saved state|booted)/.exec(r.stdout);
  assert.ok(m, r.stdout);
  return { seconds: Number(m[1]), restored: m[2] === 'restored from its saved state', stdout: r.stdout, stderr: r.stderr };
}

describe('QEMU board warm start', { timeout: 15 * 60_000 }, () => {
  after(async () => {
    await cli(['board', 'kill', name], 30_000);
    rmSync(work, { recursive: true, force: true });
  });

  test('a fresh start of a board booted once before restores its saved state, on a new address, with the right clock', async (t) => {
    // the first start boots and saves the state (or restores one an earlier run saved: same image and agent)
    const first = await start(testAddress(42, 10));
    t.diagnostic(`first start: ${first.restored ? 'restored' : 'booted'} in ${first.seconds} s`);
    await cli(['board', 'kill', name], 30_000);

    // the same board, fresh again, on another address: the saved state, not a boot
    const address = testAddress(42, 11);
    const warm = await start(address);
    assert.ok(warm.restored, warm.stdout);
    assert.match(warm.stderr, /restored/);
    assert.doesNotMatch(warm.stderr, /\bkernel\b|\binit\b/, 'no boot phases');
    t.diagnostic(`warm start: online in ${warm.seconds} s`);
    const list = JSON.parse((await cli(['board', 'list', '--json'], 30_000)).stdout) as {
      name: string;
      running: boolean;
      restored?: boolean;
      address: string;
    }[];
    assert.ok(
      list.some((b) => b.name === name && b.running && b.restored === true && b.address === address),
      JSON.stringify(list),
    );
    assert.deepEqual(await getJson(`http://${address}:48484/v2/local/device-info`), {
      status: 'success',
      info: { arch: 'amd64', deviceType: 'genericx86-64-ext' },
    });

    // the guest's clock was that of the moment the state was saved; it follows the RTC within a few seconds
    const until = Date.now() + 20_000;
    let skew = Infinity;
    while (Date.now() < until) {
      const info = (await getJson(`http://${address}:2375/info`)) as { SystemTime: string };
      skew = Math.abs(Date.parse(info.SystemTime) - Date.now()) / 1000;
      if (skew < 5) break;
      await sleep(1000);
    }
    assert.ok(skew < 5, `the guest clock is ${skew} s off`);

    // and it runs what is pushed to it (its base image shipped by the push, as on any fresh board)
    const push = await cli(['push', 'examples/hello', '--device', address, '--nolive', '--detached'], 8 * 60_000);
    assert.equal(push.code, 0, push.stderr);
    assert.match(await waitServiceLog(address, /Hello from EdgePush: first version/, 2 * 60_000), /first version/);
    await waitApplied(address, 60_000);
  });

  test('a changed agent bundle boots instead of restoring', async () => {
    await cli(['board', 'kill', name], 30_000);
    const bundle = join(work, 'agent.js');
    copyFileSync('dist/agent.js', bundle);
    appendFileSync(bundle, '\n// a new build of the agent\n');
    const changed = await start(testAddress(42, 12), [], { EDGEPUSH_AGENT_BUNDLE: bundle });
    assert.equal(changed.restored, false, changed.stdout);
    // booted: kernel and init phases, then online (the agent now answers before the engine is up, so `engine` may come
    // after the start returns)
    assert.match(changed.stderr, /\bkernel\b[\s\S]*\binit\b[\s\S]*\bonline\b/);
  });
});
