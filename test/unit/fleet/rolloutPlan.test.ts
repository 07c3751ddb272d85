import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  gateVerdict,
  isHealthy,
  parseFaults,
  parseWaves,
  planFaults,
  planRollout,
  planWaves,
} from '../../../simulator/fleet/rolloutPlan.js';
import { nthAddress } from '../../../simulator/fleet/fleetDevices.js';

const fleet = (n: number) => Array.from({ length: n }, (_, i) => `d${i + 1}`);

test('waves are cumulative, rounded up, never empty, and cover every device once', () => {
  const sizes = parseWaves('1,10%,50%,100%');
  assert.deepEqual(
    planWaves(fleet(50), sizes).map((w) => w.length),
    [1, 4, 20, 25],
  );
  assert.deepEqual(
    planWaves(fleet(10), sizes).map((w) => w.length),
    [1, 4, 5],
  );
  assert.deepEqual(
    planWaves(fleet(3), parseWaves('2')).map((w) => w.length),
    [2, 1],
    'what the sizes leave out is a last wave',
  );
  assert.deepEqual(planWaves(fleet(1), sizes), [['d1']]);
  assert.throws(() => parseWaves('0,100%'), /neither/);
  assert.throws(() => parseWaves('150%'), /between/);
  assert.throws(() => parseWaves('1,,2'), /expected/);
});

test('faults pick a share of the fleet spread over it, deterministically, power before link', () => {
  const f = planFaults(fleet(50), parseFaults('power=10%'));
  assert.equal(f.size, 5);
  assert.deepEqual([...f.keys()], ['d6', 'd16', 'd26', 'd36', 'd46']);
  const both = planFaults(fleet(10), parseFaults('power=10%,link=20%'));
  assert.deepEqual([...both.values()].sort(), ['link', 'link', 'power']);
  assert.equal(planFaults(fleet(3), parseFaults('power=1%')).size, 1, 'a share above zero faults at least one device');
  assert.throws(() => parseFaults('heat=5%'), /power=P%/);
});

test('the rollout plan: build, push, deltas from the bases devices run, then each wave and its gate', () => {
  const steps = planRollout({
    devices: fleet(4),
    waves: parseWaves('1,100%'),
    faults: parseFaults('power=25%'),
    bases: ['main\nsha256:b', 'main\nsha256:a'],
  });
  assert.deepEqual(
    steps.map((s) => s.action),
    ['build', 'pushRelease', 'publishDeltas', 'updateWave', 'gate', 'updateWave', 'gate', 'finish'],
  );
  assert.deepEqual(steps[2], { action: 'publishDeltas', bases: ['main\nsha256:a', 'main\nsha256:b'] });
  assert.deepEqual(steps[5], { action: 'updateWave', wave: 1, devices: ['d2', 'd3', 'd4'], faults: [{ device: 'd3', kind: 'power' }] });
  const fresh = planRollout({ devices: fleet(2), waves: parseWaves('100%'), faults: parseFaults(undefined), bases: [] });
  assert.ok(!fresh.some((s) => s.action === 'publishDeltas'), 'no device runs anything: no delta');
});

test('the health gate: all healthy passes; a device short of Running fails once the deadline passed', () => {
  const h = { reachable: true as const, release: 'r2', applied: true, services: { main: 'Running' }, images: { main: 'sha256:new' } };
  assert.equal(isHealthy(h, 'r2', ['main']), true);
  assert.equal(isHealthy(h, 'r2', ['main'], new Map([['main', 'sha256:new']])), true);
  assert.equal(
    isHealthy({ ...h, images: { main: 'sha256:old' } }, 'r2', ['main'], new Map([['main', 'sha256:new']])),
    false,
    'a container still on the old image',
  );
  assert.equal(isHealthy({ ...h, services: { main: 'Restarting (exit 3, 2 restarts)' } }, 'r2', ['main']), false);
  assert.equal(isHealthy({ ...h, release: 'r1' }, 'r2', ['main']), false);
  assert.equal(isHealthy({ ...h, services: { main: 'Running (healthy)' } }, 'r2', ['main']), true);
  assert.equal(isHealthy({ ...h, services: { main: 'Running (unhealthy)' } }, 'r2', ['main']), false);
  assert.equal(isHealthy({ ...h, services: { main: 'Running (health: starting)' } }, 'r2', ['main']), false);
  assert.equal(isHealthy({ reachable: false }, 'r2', ['main']), false);
  const seen = new Map([
    ['a', true],
    ['b', false],
  ]);
  assert.equal(gateVerdict(seen, ['a', 'b'], 1000, 2000), 'wait');
  assert.equal(gateVerdict(seen, ['a', 'b'], 2000, 2000), 'fail');
  assert.equal(
    gateVerdict(
      new Map([
        ['a', true],
        ['b', true],
      ]),
      ['a', 'b'],
      0,
      2000,
    ),
    'pass',
  );
});

test('fleet addresses follow on from the first, carrying into the next block', () => {
  assert.equal(nthAddress('127.0.1.1', 0), '127.0.1.1');
  assert.equal(nthAddress('127.0.1.250', 6), '127.0.2.2');
  assert.throws(() => nthAddress('10.0.0.1', 0), /loopback/);
});
