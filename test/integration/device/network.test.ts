// Beyond loopback: the bind policy, API keys, and the mDNS announcement that `balena device detect` finds.
// The announce test makes its own veth pair (ep3v0/ep3v1, 10.254.10.0/24) and removes it afterwards.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawnSimulatedDevice, type SpawnedDevice } from '../../../simulator/device/spawnDevice.js';
import { purgeDevice, deviceIdFrom } from '../../../simulator/device/scope.js';
import { CLI, docker } from './helpers.js';
import { testAddress } from '../../testNet.js';

const KEYED = testAddress(10, 61);
const BALENA = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'edgepush', 'balena-cli', 'node_modules', '.bin', 'balena');
const started: { dev: SpawnedDevice; name: string; dir: string }[] = [];

after(async () => {
  for (const s of started) {
    await s.dev.stop();
    await purgeDevice(docker, deviceIdFrom(s.name));
    rmSync(s.dir, { recursive: true, force: true });
  }
  spawnSync('ip', ['link', 'del', 'ep3v0']);
});

async function start(address: string, extra: { apiKey?: string; localModeOpen?: boolean; announce?: string }): Promise<SpawnedDevice> {
  const name = `it-net-${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'ep-device-net-'));
  const dev = await spawnSimulatedDevice({ cliPath: CLI, address, name, dataDir: dir, ...extra });
  started.push({ dev, name, dir });
  return dev;
}

test('a non-loopback address without --api-key or --local-mode-open is refused (exit 2)', () => {
  const r = spawnSync(process.execPath, [CLI, 'device', '--address', '0.0.0.0'], { encoding: 'utf8', timeout: 15000 });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--api-key KEY or --local-mode-open/);
});

test('with --api-key every call but /ping needs the key', async () => {
  await start(KEYED, { apiKey: 'sekrit' });
  assert.equal((await fetch(`http://${KEYED}:48484/ping`)).status, 200);
  assert.equal((await fetch(`http://${KEYED}:48484/v2/version`)).status, 401);
  assert.equal((await fetch(`http://${KEYED}:48484/v2/version?apikey=wrong`)).status, 401);
  assert.equal((await fetch(`http://${KEYED}:48484/v2/version?apikey=sekrit`)).status, 200);
  assert.equal((await fetch(`http://${KEYED}:48484/v2/local/target-state`, { headers: { authorization: 'Bearer sekrit' } })).status, 200);
});

test('--announce: balena device detect finds the device and calls it a development device', async () => {
  assert.ok(existsSync(BALENA), `balena CLI not found at ${BALENA}: run bash scripts/setup-balena-cli.sh`);
  spawnSync('ip', ['link', 'del', 'ep3v0']);
  for (const argv of [
    ['link', 'add', 'ep3v0', 'type', 'veth', 'peer', 'name', 'ep3v1'],
    ['addr', 'add', '10.254.10.1/24', 'dev', 'ep3v0'],
    ['addr', 'add', '10.254.10.2/24', 'dev', 'ep3v1'],
    ['link', 'set', 'ep3v0', 'up'],
    ['link', 'set', 'ep3v1', 'up'],
  ]) {
    const r = spawnSync('ip', argv, { encoding: 'utf8' });
    assert.equal(r.status, 0, `ip ${argv.join(' ')}: ${r.stderr}`);
  }
  await start('10.254.10.1', { localModeOpen: true, announce: 'ep3v0' });
  const out = await new Promise<string>((resolve) => {
    const child = spawn(BALENA, ['device', 'detect', '--timeout', '4', '--json'], {
      env: { ...process.env, BALENARC_NO_ANALYTICS: '1', BALENARC_NO_SENTRY: '1' },
    });
    let text = '';
    child.stdout.on('data', (c: Buffer) => (text += c.toString()));
    const t = setTimeout(() => child.kill('SIGKILL'), 60000);
    child.on('exit', () => (clearTimeout(t), resolve(text)));
  });
  const found = (JSON.parse(out.slice(out.indexOf('['))) as { address: string; osVariant: string }[]).find(
    (d) => d.address === '10.254.10.1',
  );
  assert.ok(found, out);
  assert.equal(found.osVariant, 'development');
});
