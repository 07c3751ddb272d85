// `edgepush scan` finds a simulated device that announces itself over mDNS as balenaOS does. The announcement
// and the browse stay on a veth pair made for the test, `ep4s<N>a`/`ep4s<N>b` (no traffic leaves the machine).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { runCli, startDevice, type TestDevice } from './harness.js';
import { testAddress } from '../../testNet.js';

const MANUAL = testAddress(20, 249); // added by hand; nothing answers there
// Named per process so that two runs at once never remove each other's link (a /30 each in 10.254.20.0/24).
const slot = process.pid % 60;
const IFACE = `ep4s${slot}a`;
const PEER = `ep4s${slot}b`;
const ADDRESS = `10.254.20.${slot * 4 + 1}`;
const BASE_NAME = `ep4-scan-${slot}`; // startDevice adds the run tag
let NAME = BASE_NAME;

function ip(...args: string[]): { ok: boolean; err: string } {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  return { ok: r.status === 0, err: (r.stderr ?? '') + (r.error?.message ?? '') };
}

describe('scan', () => {
  let dev: TestDevice | undefined;
  let skip: string | undefined;
  before(async () => {
    let made = ip('link', 'add', IFACE, 'type', 'veth', 'peer', 'name', PEER);
    if (!made.ok && /exists/i.test(made.err)) {
      // left over from an earlier run of this process slot that was killed: take it back
      ip('link', 'del', IFACE);
      made = ip('link', 'add', IFACE, 'type', 'veth', 'peer', 'name', PEER);
    }
    if (!made.ok) {
      skip = `cannot create a veth pair here (${made.err.trim()}); run as root`;
      return;
    }
    for (const step of [
      ['addr', 'add', `${ADDRESS}/30`, 'dev', IFACE],
      ['link', 'set', IFACE, 'up'],
      ['link', 'set', PEER, 'up'],
    ]) {
      const r = ip(...step);
      if (!r.ok) throw new Error(`ip ${step.join(' ')}: ${r.err}`);
    }
    // A development device in local mode on that link: its API must answer on the announced address.
    dev = await startDevice(ADDRESS, BASE_NAME, { announce: IFACE, localModeOpen: true });
    NAME = dev.name;
  });
  after(async () => {
    await dev?.cleanup();
    ip('link', 'del', IFACE);
  });

  test('an announced simulated device is found, probed, and reported as a local-mode development device', async (t) => {
    if (skip) return t.skip(skip);
    const r = await runCli(['scan', '--timeout', '3', '--interface', IFACE, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const found = JSON.parse(r.stdout) as Array<{
      name: string;
      address: string;
      localMode: boolean;
      development: boolean;
      source: string;
      interface?: string;
      deviceType?: string;
    }>;
    const d = found.find((x) => x.name === NAME);
    assert.ok(d, `not found in ${r.stdout}`);
    assert.equal(d.address, ADDRESS);
    assert.equal(d.source, 'mdns');
    assert.equal(d.interface, IFACE);
    assert.equal(d.localMode, true);
    assert.equal(d.development, true);
    assert.equal(d.deviceType, 'genericx86-64-ext');
    const table = await runCli(['scan', '--timeout', '2', '--interface', IFACE]);
    assert.match(table.stdout, new RegExp(`${NAME}\\s+${ADDRESS.replace(/\./g, '\\.')}\\s+yes\\s+dev`));
  });

  test('an address given by hand is probed; one that does not answer is listed as not in local mode', async (t) => {
    if (skip) return t.skip(skip);
    const r = await runCli(['scan', '--timeout', '0', '--interface', 'lo', '--address', MANUAL, '--json']).catch(() => undefined);
    // `lo` is internal, so it is not browsable: a usage error naming it
    assert.equal(r?.code, 2);
    const ok = await runCli(['scan', '--timeout', '0', '--address', MANUAL, '--json', '--interface', IFACE]);
    assert.equal(ok.code, 0, ok.stderr);
    const found = JSON.parse(ok.stdout) as Array<{ address: string; localMode: boolean; source: string }>;
    assert.deepEqual(
      found.find((x) => x.address === MANUAL),
      { address: MANUAL, name: MANUAL, source: 'manual', localMode: false, development: false },
    );
  });

  test('simulated devices running on this machine are listed without mDNS', async (t) => {
    if (skip) return t.skip(skip);
    const r = await runCli(['scan', '--timeout', '0', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const found = JSON.parse(r.stdout) as Array<{ address: string; name: string; source: string; localMode: boolean }>;
    const d = found.find((x) => x.address === ADDRESS);
    assert.deepEqual(d && [d.name, d.source, d.localMode], [NAME, 'simulated', true]);
  });
});
