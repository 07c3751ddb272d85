// Faults during a rollout: a third of a 6-device fleet loses power (kill -9 of the agent, started again on its
// data) and one more loses its link for 3 s while they update from v1 to v2. Every device must end on v2 or
// rolled back to v1, Running; none broken.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testAddress, runTag } from '../../testNet.js';
import { ensureBaseImages } from '../../../simulator/device/baseImages.js';
import type { RolloutReport } from '../../../simulator/fleet/rolloutTypes.js';
import { docker, startTestRegistry, type TestRegistry } from '../registry/helpers.js';
import { cli, project, removeDir, stateDir } from './helpers.js';

const FLEET = `${runTag()}-faults`;
let reg: TestRegistry;
const dirs: string[] = [];

async function push(dir: string, ...extra: string[]): Promise<{ status: number; report: RolloutReport }> {
  const r = await cli('fleet', 'push', dir, '--fleet', FLEET, '--registry', reg.url, '--json', ...extra);
  assert.ok(r.stdout.trim(), `no report (exit ${r.status}): ${r.stderr}`);
  return { status: r.status, report: JSON.parse(r.stdout) as RolloutReport };
}

before(async () => {
  await ensureBaseImages(docker, { node: false });
  reg = await startTestRegistry(testAddress(81, 30), 5000, stateDir);
  const started = await cli('fleet', 'start', '--name', FLEET, '--size', '6', '--first', testAddress(82, 1));
  assert.equal(started.status, 0, started.stderr);
});
after(async () => {
  await cli('fleet', 'stop', '--name', FLEET, '--purge');
  await reg?.stop();
  dirs.forEach(removeDir);
  removeDir(stateDir);
});

test('power cuts and a dropped link mid-wave: every device ends Running on v2 or rolled back to v1', async () => {
  const one = project('faults v1');
  const two = project('faults v2');
  dirs.push(one, two);
  const v1 = await push(one, '--waves', '100%', '--health-timeout', '90');
  assert.equal(v1.status, 0, JSON.stringify(v1.report));
  const { status, report } = await push(two, '--waves', '1,50%,100%', '--health-timeout', '90', '--faults', 'power=34%,link=17%');
  const faulted = report.devices.filter((d) => d.fault === 'power');
  assert.equal(faulted.length, 2, JSON.stringify(report.devices));
  assert.equal(report.devices.filter((d) => d.fault === 'link').length, 1);
  for (const d of report.devices) {
    assert.ok(
      (d.state === 'running' && d.to === report.release) ||
        (d.state === 'rolled-back' && d.to === v1.report.release) ||
        d.state === 'not-updated',
      JSON.stringify(d),
    );
  }
  assert.equal(status, report.devices.every((d) => d.state === 'running') ? 0 : 5);
  // What the devices themselves say, after the rollout: each runs one of the two releases, Running.
  const s = JSON.parse((await cli('fleet', 'status', '--name', FLEET, '--json')).stdout) as {
    devices: { release: string; online: boolean; services: { status: string }[] }[];
  };
  for (const d of s.devices) {
    assert.ok(d.online);
    assert.ok([report.release, v1.report.release].includes(d.release), d.release);
    assert.deepEqual(
      d.services.map((x) => x.status),
      ['Running'],
    );
  }
});
