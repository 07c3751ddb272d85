// A fleet of 10 simulated devices and a real registry: v1 rolled out (layer pulls), then a one-line change v2
// in waves (each device pulls its own delta; the registry's own log says what it sent), then a release whose
// service exits at start: the first wave fails its gate and is rolled back, the rest never leave v2.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testAddress, runTag } from '../../testNet.js';
import { ensureBaseImages } from '../../../simulator/device/baseImages.js';
import type { RolloutReport } from '../../../simulator/fleet/rolloutTypes.js';
import { docker, startTestRegistry, type TestRegistry } from '../registry/helpers.js';
import { cli, project, removeDir, stateDir } from './helpers.js';

const FLEET = `${runTag()}-f10`;
let reg: TestRegistry;
const dirs: string[] = [];
let v2: RolloutReport;

async function push(dir: string, ...extra: string[]): Promise<{ status: number; report: RolloutReport; stderr: string }> {
  const r = await cli('fleet', 'push', dir, '--fleet', FLEET, '--registry', reg.url, '--json', ...extra);
  assert.ok(r.stdout.trim(), `no report (exit ${r.status}): ${r.stderr}`);
  return { status: r.status, report: JSON.parse(r.stdout) as RolloutReport, stderr: r.stderr };
}

before(async () => {
  await ensureBaseImages(docker, { node: false });
  process.env.XDG_STATE_HOME = stateDir;
  reg = await startTestRegistry(testAddress(81, 20), 5000, stateDir);
  const started = await cli('fleet', 'start', '--name', FLEET, '--size', '10', '--first', testAddress(80, 1));
  assert.equal(started.status, 0, started.stderr);
});
after(async () => {
  await cli('fleet', 'stop', '--name', FLEET, '--purge');
  await reg?.stop();
  dirs.forEach(removeDir);
  removeDir(stateDir);
});

test('v1 reaches all 10 devices by layer pulls, through the registry', async () => {
  const dir = project('hello from v1');
  dirs.push(dir);
  const { status, report } = await push(dir, '--waves', '1,100%', '--health-timeout', '90');
  assert.equal(status, 0, JSON.stringify(report));
  assert.equal(report.devices.length, 10);
  assert.deepEqual([...new Set(report.devices.map((d) => [d.state, d.method, d.to].join(' ')))], [`running layers ${report.release}`]);
  assert.equal(report.registryEgressSource, 'registry-log');
  assert.ok(report.registryEgressBytes >= report.devices.reduce((s, d) => s + d.bytesFetched, 0) * 0.95);
});

test('a one-line change v2 goes out in waves as one delta per device, far below 10 layer pulls', async () => {
  const dir = project('hello from v2');
  dirs.push(dir);
  const { status, report } = await push(dir, '--waves', '1,10%,50%,100%', '--health-timeout', '90');
  v2 = report;
  assert.equal(status, 0, JSON.stringify(report));
  assert.deepEqual(
    report.waves.map((w) => [w.devices.length, w.passed]),
    [
      [1, true],
      [4, true],
      [5, true],
    ],
  );
  assert.ok(
    report.devices.every((d) => d.state === 'running' && d.method === 'delta' && d.to === report.release),
    JSON.stringify(report.devices),
  );
  assert.equal(report.deltas.length, 1, 'one base: one delta');
  assert.equal(report.deltas[0]!.devices, 10);
  const perDevice = report.deltas[0]!.deltaBytes;
  assert.ok(
    report.registryEgressBytes < report.layerPullBytes / 5,
    `egress ${report.registryEgressBytes} B against ${report.layerPullBytes} B of layer pulls`,
  );
  assert.ok(report.registryEgressBytes >= 10 * perDevice, 'every device fetched its delta');
  const status2 = JSON.parse((await cli('fleet', 'status', '--name', FLEET, '--json')).stdout) as {
    summary: { releases: Record<string, number> };
  };
  assert.deepEqual(status2.summary.releases, { [report.release]: 10 });
});

test('a registry that does not answer stops the rollout before any device is touched', async () => {
  const dir = project('never posted');
  dirs.push(dir);
  const r = await cli('fleet', 'push', dir, '--fleet', FLEET, '--registry', `${testAddress(81, 29)}:5000`, '--json');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /registry .* does not answer/);
  const s = JSON.parse((await cli('fleet', 'status', '--name', FLEET, '--json')).stdout) as {
    summary: { releases: Record<string, number> };
  };
  assert.deepEqual(s.summary.releases, { [v2.release]: 10 });
});

test('a release whose service exits at start fails the first wave, which is rolled back; the rest stay on v2', async () => {
  const dir = project('v3 crashes', 3);
  dirs.push(dir);
  const { status, report } = await push(dir, '--waves', '1,50%,100%', '--health-timeout', '15');
  assert.equal(status, 5);
  assert.equal(report.rolledBack, true);
  assert.deepEqual(
    report.waves.map((w) => [w.devices.length, w.passed]),
    [[1, false]],
  );
  const [first, ...rest] = report.devices;
  assert.deepEqual([first!.state, first!.to], ['rolled-back', v2.release]);
  assert.ok(rest.every((d) => d.state === 'not-updated' && d.to === v2.release));
  const s = JSON.parse((await cli('fleet', 'status', '--name', FLEET, '--json')).stdout) as {
    summary: { releases: Record<string, number> };
    devices: { services: { status: string }[] }[];
  };
  assert.deepEqual(s.summary.releases, { [v2.release]: 10 });
  assert.ok(s.devices.every((d) => d.services.length === 1 && d.services[0]!.status === 'Running'));
});
