// Service actions (restart/stop/start) as planned steps: what the planner makes of them, locks included, and how
// they reach the reconciler's executors (runSteps) through the read model, with no engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planServiceAction, runServiceAction, type ServiceActionDeps } from '../../../simulator/device/serviceActions.js';
import type { Step } from '../../../simulator/device/planner.js';
import { normalizeApps } from '../../../simulator/device/targetState.js';
import { EdgePushError } from '../../../simulator/shared/errors.js';
import { container, oneApp } from './fixtures.js';

const ids = (steps: Step[]) =>
  steps.map((s) => `${s.action}:${'container' in s ? s.container.id : 'serviceName' in s ? s.serviceName : ''}`);
const a = container({ id: 'a', serviceName: 'main' });
const b = container({ id: 'b', serviceName: 'side' });

test('stop, start (of the existing container), restart = stop then start, container by container', () => {
  assert.deepEqual(ids(planServiceAction('stop', [a])), ['stop:a']);
  assert.deepEqual(ids(planServiceAction('start', [a])), ['startExisting:a']);
  assert.deepEqual(ids(planServiceAction('restart', [a, b])), ['stop:a', 'startExisting:a', 'stop:b', 'startExisting:b']);
});

test('a held updates.lock makes a stop or restart a locked step (nothing stopped), unless forced; a start is never held', () => {
  const locked = new Set(['1/side']);
  assert.deepEqual(ids(planServiceAction('restart', [a, b], locked)), ['locked:side']);
  assert.deepEqual(ids(planServiceAction('stop', [b], locked)), ['locked:side']);
  assert.deepEqual(ids(planServiceAction('restart', [a, b], locked, true)), ['stop:a', 'startExisting:a', 'stop:b', 'startExisting:b']);
  assert.deepEqual(ids(planServiceAction('start', [b], locked)), ['startExisting:b']);
});

function deps(lockedServices: string[] = []) {
  const ran: Step[][] = [];
  const d: ServiceActionDeps = {
    reconciler: { runSteps: async (steps) => void ran.push([...steps]) },
    state: {
      apps: () => normalizeApps(oneApp('c1', { main: 'local_main', side: 'local_side' })),
      containers: async () => [a, b, container({ id: 'other-app', appId: 2 })],
    },
    locked: (_appId, service) => lockedServices.includes(service),
  };
  return { d, ran };
}

test('the chosen containers of the app are handed to the executors as one plan', async () => {
  const { d, ran } = deps();
  await runServiceAction(d, 'restart', 1, { serviceName: 'side' }, false);
  await runServiceAction(d, 'stop', 1, { imageId: 1 }, false);
  await runServiceAction(d, 'start', 1, 'all', false);
  assert.deepEqual(ran.map(ids), [
    ['stop:b', 'startExisting:b'],
    ['stop:a', 'stop:b'],
    ['startExisting:a', 'startExisting:b'],
  ]);
});

test('an unknown app or service is not-found, a held lock is locked, and nothing runs', async () => {
  const { d, ran } = deps(['side']);
  const kind = (p: Promise<void>) =>
    p.then(
      () => 'ok',
      (e: unknown) => (e instanceof EdgePushError ? e.kind : 'other'),
    );
  assert.equal(await kind(runServiceAction(d, 'stop', 7, 'all', false)), 'not-found');
  assert.equal(await kind(runServiceAction(d, 'stop', 1, { serviceName: 'nope' }, false)), 'not-found');
  assert.equal(await kind(runServiceAction(d, 'restart', 1, 'all', false)), 'locked');
  assert.equal(ran.length, 0);
  assert.equal(await kind(runServiceAction(d, 'restart', 1, 'all', true)), 'ok');
});
