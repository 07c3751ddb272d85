import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failRollout, reduceRollout, startRollout } from '../../../extension/fleets/rolloutModel.js';
import { fleetDeviceNodes, fleetNodes, fleetSummaryText } from '../../../extension/tree/fleetNodes.js';
import { parseHostToView } from '../../../webview/protocol.js';
import { rolloutCounts } from '../../../webview/dashboard/rolloutView.js';
import type { RolloutEvent, RolloutReport } from '../../../simulator/fleet/rolloutTypes.js';

const devices = ['127.0.1.1', '127.0.1.2', '127.0.1.3'];

test('the dashboard rollout follows waves, the gate, faults and a rollback, and ends with the report', () => {
  const events: RolloutEvent[] = [
    { type: 'plan', fleet: 'f', release: 'abcdef1234567890', waves: [['127.0.1.1'], ['127.0.1.2', '127.0.1.3']], gateTimeoutSeconds: 30 },
    { type: 'wave', wave: 0, state: 'updating' },
    { type: 'device', address: '127.0.1.1', state: 'updating' },
    { type: 'device', address: '127.0.1.1', state: 'fault', detail: 'power cut' },
    { type: 'wave', wave: 0, state: 'gate' },
    { type: 'device', address: '127.0.1.1', state: 'failed' },
    { type: 'wave', wave: 0, state: 'failed' },
    { type: 'rollback', devices: ['127.0.1.1'], reason: 'wave 1: 1 of 1 device(s) not Running' },
    { type: 'device', address: '127.0.1.1', state: 'rolled-back' },
  ];
  let v = startRollout('f', devices, 1000);
  for (const e of events) v = reduceRollout(v, e, 2000);
  assert.deepEqual(v.waves, [
    { devices: 1, state: 'failed' },
    { devices: 2, state: 'pending' },
  ]);
  assert.deepEqual(v.rollback, { devices: 1, reason: 'wave 1: 1 of 1 device(s) not Running' });
  assert.deepEqual(
    rolloutCounts(v).map((c) => [c.state, c.count]),
    [
      ['waiting', 2],
      ['rolled-back', 1],
    ],
  );
  const report: RolloutReport = {
    fleet: 'f',
    release: 'abcdef1234567890',
    waves: [{ devices: ['127.0.1.1'], passed: false }],
    rolledBack: true,
    seconds: 12,
    devices: devices.map((address, i) => ({
      address,
      from: 'r1',
      to: 'r1',
      state: i === 0 ? 'rolled-back' : 'not-updated',
      bytesFetched: 0,
      method: 'none',
      seconds: 0,
    })),
    registryEgressBytes: 1200,
    registryEgressSource: 'registry-log',
    layerPullBytes: 90000,
    deltas: [],
    stoppedReason: 'wave 1 failed',
  };
  v = reduceRollout(v, { type: 'report', report }, 3000);
  assert.equal(v.status, 'rolled-back');
  assert.equal(v.finishedAt, 3000);
  assert.equal(v.registryEgressBytes, 1200);
  // What the host sends is what the view accepts.
  assert.ok(parseHostToView({ kind: 'notify', body: { type: 'dashboard/rollout', rollout: v } }));
  assert.equal(parseHostToView({ kind: 'notify', body: { type: 'dashboard/rollout', rollout: { ...v, status: 'exploded' } } }), undefined);
  assert.equal(failRollout(startRollout('f', devices), 'cancelled', true).status, 'cancelled');
});

test('a fleet group shows its summary; its devices show release and state', () => {
  const f = {
    name: 'f',
    summary: { name: 'f', size: 3, online: 3, releases: { abcdef1234: 2, none: 1 }, states: { applied: 3 } },
    devices: [
      {
        address: '127.0.1.1',
        name: 'f-1',
        online: true,
        release: 'abcdef1234',
        appState: 'applied',
        services: [{ name: 'main', status: 'Running' }],
      },
      { address: '127.0.1.2', name: 'f-2', online: false, release: null, appState: null, services: [] },
    ],
  };
  assert.equal(fleetSummaryText(f), '3 devices · 2× abcdef12, 1× no release · 3 applied');
  const [node] = fleetNodes([f]);
  assert.deepEqual([node!.label, node!.contextValue, node!.collapsible], ['Fleet f', 'fleet', 'collapsed']);
  const kids = fleetDeviceNodes(f);
  assert.equal(kids[0]!.description, '127.0.1.1 · applied · abcdef12 · main: Running');
  assert.equal(kids[1]!.description, '127.0.1.2 · offline');
});
