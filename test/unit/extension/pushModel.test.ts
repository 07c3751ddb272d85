import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DashboardModel } from '../../../extension/dashboard/dashboardModel.js';
import { phaseOfServiceState } from '../../../simulator/push/serviceState.js';
import { addToHistory, applyPushEvent, finishPush, HISTORY_LIMIT, startPush } from '../../../extension/dashboard/pushModel.js';
import type { PushReport } from '../../../simulator/push/types.js';

const report: PushReport = {
  device: '127.0.30.5',
  release: 'r1',
  services: [
    {
      name: 'main',
      imageBytes: 2_000_000,
      layerPullBytes: 1_000_000,
      librsyncBytes: 900_000,
      deltaBytes: 20_000,
      sentBytes: 21_000,
      transferSeconds: 0.2,
      state: 'Running',
    },
  ],
};

test('service events build a timeline per service with the time each phase was entered', () => {
  let v = startPush(1, '127.0.30.5', 'hello', 1000);
  v = applyPushEvent(v, { type: 'step', message: 'connecting' }, 1000);
  v = applyPushEvent(v, { type: 'release', release: 'r1' }, 1100);
  v = applyPushEvent(v, { type: 'service', service: 'main', phase: 'building', percent: 10 }, 1200);
  v = applyPushEvent(v, { type: 'service', service: 'main', phase: 'building', percent: 60 }, 1300);
  v = applyPushEvent(v, { type: 'service', service: 'main', phase: 'shipping', percent: 50, bytes: 500 }, 1500);
  assert.equal(v.step, 'connecting');
  assert.equal(v.release, 'r1');
  const s = v.services[0]!;
  assert.equal(s.phase, 'shipping');
  assert.equal(s.percent, 50);
  assert.equal(s.bytes, 500);
  assert.deepEqual(s.history, [
    { phase: 'building', atMs: 200 },
    { phase: 'shipping', atMs: 500 },
  ]);
});

test('build output before any phase event marks the service as building', () => {
  const v = applyPushEvent(startPush(1, 'd', 'p', 0), { type: 'build-output', service: 'web', line: 'Step 1/3' }, 10);
  assert.equal(v.services[0]?.phase, 'building');
});

test('the report sets the figures and each service final state', () => {
  const v = applyPushEvent(startPush(1, 'd', 'p', 0), { type: 'report', report }, 900);
  assert.equal(v.report?.[0]?.deltaBytes, 20_000);
  assert.equal(v.services[0]?.phase, 'running');
  assert.equal(phaseOfServiceState('exited'), 'exited');
  assert.equal(phaseOfServiceState('Downloading'), 'shipping');
  assert.equal(phaseOfServiceState('something else'), undefined);
});

test('a failed push marks unfinished services failed; a good one leaves them as they are', () => {
  let v = applyPushEvent(startPush(1, 'd', 'p', 0), { type: 'service', service: 'main', phase: 'building' }, 5);
  v = applyPushEvent(v, { type: 'service', service: 'side', phase: 'running' }, 6);
  const failed = finishPush(v, 'failed', 100, 'build failed: exit 1');
  assert.equal(failed.status, 'failed');
  assert.equal(failed.error, 'build failed: exit 1');
  assert.deepEqual(
    failed.services.map((s) => s.phase),
    ['failed', 'running'],
  );
  assert.equal(finishPush(v, 'succeeded', 100).services[0]?.phase, 'building');
});

test('history keeps the newest pushes first, at most HISTORY_LIMIT', () => {
  let h = [startPush(0, 'd', 'p', 0)];
  for (let i = 1; i <= HISTORY_LIMIT + 3; i++) h = addToHistory(h, startPush(i, 'd', 'p', i));
  assert.equal(h.length, HISTORY_LIMIT);
  assert.equal(h[0]?.id, HISTORY_LIMIT + 3);
});

test('the dashboard model ignores events of a push that is no longer current', () => {
  const m = new DashboardModel();
  const first = m.begin('d', 'p', 0);
  const second = m.begin('d', 'p', 1);
  m.event(first, { type: 'step', message: 'stale' });
  assert.equal(m.state().current?.step, undefined);
  m.event(second, { type: 'step', message: 'building' });
  m.end(second, 'succeeded');
  assert.equal(m.state().current?.status, 'succeeded');
  assert.equal(m.state().history.length, 1);
  assert.equal(m.running, undefined);
});
