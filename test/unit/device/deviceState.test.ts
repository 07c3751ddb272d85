// The device's read model: what the reconciler publishes (target, apply state, service statuses, resolved images,
// containers it stopped itself, update events) is what a reader sees, with no engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeviceState } from '../../../simulator/device/deviceState.js';
import { UpdateEventBus } from '../../../simulator/device/updateEventBus.js';
import type { UpdateEvent } from '../../../simulator/shared/updateEvents.js';
import { container, oneApp } from './fixtures.js';

function model(startable: string[] = []) {
  const saved: string[][] = [];
  const seen: ReadonlySet<string>[] = [];
  const state = new DeviceState({
    initialTarget: oneApp('c1'),
    startable: new Set(startable),
    saveStartable: (ids) => void saved.push([...ids]),
    readContainers: async (s) => {
      seen.push(new Set(s));
      return [container({ startable: s.has('old') })];
    },
    events: new UpdateEventBus(),
  });
  return { state, saved, seen };
}

test('the target and its releases are those last published', () => {
  const { state } = model();
  assert.equal(state.release(), 'c1');
  assert.equal(state.apps()[0]?.services[0]?.serviceName, 'main');
  state.setTarget(oneApp('c2', { web: 'local_web' }));
  assert.equal(state.target().local.apps['1']?.commit, 'c2');
  assert.equal(state.release(1), 'c2');
  assert.equal(state.release(9), null);
  assert.deepEqual(
    state.apps().flatMap((a) => a.services.map((s) => s.serviceName)),
    ['web'],
  );
});

test('service statuses are shown while set; resolved image ids are forgotten with the target they belong to', () => {
  const { state } = model();
  assert.equal(state.applyState(), 'applying');
  state.setApplyState('applied');
  assert.equal(state.applyState(), 'applied');
  state.setServiceStatus(1, 'main', 'Installing');
  assert.equal(state.serviceStatus(1, 'main'), 'Installing');
  state.setServiceStatus(1, 'main', undefined);
  assert.equal(state.serviceStatus(1, 'main'), undefined);
  assert.equal(state.imageId('local_main'), undefined, 'not resolved yet');
  state.setImageId('local_main', 'sha256:aa');
  state.setImageId('local_side', null);
  assert.equal(state.imageId('local_main'), 'sha256:aa');
  assert.equal(state.imageId('local_side'), null, 'missing');
  state.setTarget(oneApp('c2'));
  assert.equal(state.imageId('local_main'), undefined);
});

test('containers the device stopped itself are kept (saved on each change) and mark the containers read', async () => {
  const { state, saved, seen } = model(['gone']);
  assert.equal((await state.containers())[0]?.startable, false);
  state.markStartable('old', true);
  state.markStartable('old', true);
  assert.equal((await state.containers())[0]?.startable, true);
  state.markStartable('old', false);
  state.markStartable('never-marked', false);
  assert.deepEqual(saved, [['gone', 'old'], ['gone']], 'saved once per change, not for no-ops');
  assert.deepEqual(
    seen.map((s) => [...s]),
    [['gone'], ['gone', 'old']],
  );
});

test('update events: readers get the latest per service, then every new one until they leave', () => {
  const { state } = model();
  state.emit({ type: 'service', appId: 1, serviceName: 'main', release: 'c1', phase: 'installing' });
  state.emit({ type: 'service', appId: 1, serviceName: 'main', release: 'c1', phase: 'running' });
  assert.deepEqual(
    state.latestEvents().map((e) => (e.type === 'service' ? e.phase : e.type)),
    ['running'],
  );
  const got: UpdateEvent[] = [];
  const off = state.subscribe((e) => got.push(e));
  state.emit({ type: 'device', state: 'applied', release: 'c1', bytesReceived: 0 });
  off();
  state.emit({ type: 'device', state: 'applying', release: 'c2', bytesReceived: 0 });
  assert.deepEqual(
    got.map((e) => e.type),
    ['device'],
  );
});
