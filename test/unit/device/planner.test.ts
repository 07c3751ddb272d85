import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plan, type CurrentContainer, type PlanInput, type PlannedService } from '../../../simulator/device/planner.js';
import { normalizeApps, type LocalState } from '../../../simulator/device/targetState.js';
import { container } from './fixtures.js';

function target(labels: Record<string, string> = {}, running = true): LocalState {
  return {
    local: {
      name: 'd',
      config: {},
      apps: {
        '1': {
          name: 'app',
          commit: 'c2',
          releaseId: 2,
          services: { '1': { serviceName: 'main', image: 'local_main', labels, running } },
          volumes: {},
          networks: {},
        },
      },
    },
  };
}

function input(
  state: LocalState,
  opts: { image?: string | null; containers?: CurrentContainer[]; locked?: string[]; hash?: string } = {},
): PlanInput {
  const apps = normalizeApps(state);
  const image = opts.image === undefined ? 'sha256:new' : opts.image;
  const services: PlannedService[] = apps.flatMap((a) =>
    a.services.map((s) => ({ target: s, dockerImageId: image, hash: image ? (opts.hash ?? 'h-new') : null })),
  );
  return {
    apps,
    services,
    containers: opts.containers ?? [],
    networks: ['n-1-default'],
    volumes: [],
    locked: new Set(opts.locked ?? []),
    networkName: (a, n) => `n-${a}-${n}`,
    volumeName: (a, n) => `v-${a}-${n}`,
  };
}

const actions = (steps: ReturnType<typeof plan>) => steps.map((s) => s.action);

test('a new service with its image present is started; without it, fetched', () => {
  assert.deepEqual(actions(plan(input(target()))), ['start']);
  assert.deepEqual(actions(plan(input(target(), { image: null }))), ['fetch']);
});

test('networks and volumes are created before any container', () => {
  const st = target();
  st.local.apps['1']!.volumes = { data: {} };
  const i = input(st);
  i.networks = [];
  assert.deepEqual(actions(plan(i)), ['createNetwork', 'createVolume']);
});

test('download-then-kill keeps the old container while the new image is missing, then kills it', () => {
  const old = container();
  assert.deepEqual(actions(plan(input(target(), { image: null, containers: [old] }))), ['fetch']);
  assert.deepEqual(actions(plan(input(target(), { containers: [old] }))), ['kill']);
});

test('kill-then-download kills the old container even before the image is there', () => {
  const steps = plan(input(target({ 'io.balena.update.strategy': 'kill-then-download' }), { image: null, containers: [container()] }));
  assert.deepEqual(actions(steps), ['kill']);
  assert.equal(steps[0]!.action === 'kill' && steps[0]!.removeImage, false);
});

test('delete-then-download kills and removes the old image', () => {
  const steps = plan(input(target({ 'io.balena.update.strategy': 'delete-then-download' }), { containers: [container()] }));
  assert.equal(steps.length, 1);
  assert.ok(steps[0]!.action === 'kill' && steps[0]!.removeImage);
});

test('hand-over starts the new one beside the old one (one step carrying both)', () => {
  const steps = plan(input(target({ 'io.balena.update.strategy': 'hand-over' }), { containers: [container()] }));
  assert.equal(steps.length, 1);
  assert.ok(steps[0]!.action === 'handover' && steps[0]!.old.length === 1 && steps[0]!.old[0]!.id === 'old');
});

test('an unknown strategy falls back to download-then-kill', () => {
  assert.deepEqual(actions(plan(input(target({ 'io.balena.update.strategy': 'bogus' }), { image: null, containers: [container()] }))), [
    'fetch',
  ]);
});

test('a held updates.lock holds the update back for every strategy', () => {
  for (const strategy of ['download-then-kill', 'kill-then-download', 'delete-then-download', 'hand-over']) {
    const steps = plan(input(target({ 'io.balena.update.strategy': strategy }), { containers: [container()], locked: ['1/main'] }));
    assert.deepEqual(actions(steps), ['locked'], strategy);
  }
});

test('the matching container is left alone; a stopped one is started only when startable', () => {
  assert.deepEqual(plan(input(target(), { containers: [container({ hash: 'h-new' })] })), []);
  assert.deepEqual(plan(input(target(), { containers: [container({ hash: 'h-new', state: 'exited' })] })), []);
  assert.deepEqual(actions(plan(input(target(), { containers: [container({ hash: 'h-new', state: 'exited', startable: true })] }))), [
    'startExisting',
  ]);
  assert.deepEqual(actions(plan(input(target({}, false), { containers: [container({ hash: 'h-new' })] }))), ['stop']);
});

test('containers of services no longer in the target are killed, unless locked', () => {
  const gone = container({ serviceName: 'old-svc', id: 'gone' });
  const steps = plan(input(target(), { containers: [container({ hash: 'h-new' }), gone] }));
  assert.deepEqual(actions(steps), ['kill']);
  assert.deepEqual(actions(plan(input(target(), { containers: [container({ hash: 'h-new' }), gone], locked: ['1/old-svc'] }))), ['locked']);
});

test('an empty target removes everything, then the unused networks', () => {
  const empty: LocalState = { local: { name: 'd', config: {}, apps: {} } };
  assert.deepEqual(actions(plan(input(empty, { containers: [container()] }))), ['kill']);
  assert.deepEqual(actions(plan(input(empty))), ['removeNetwork']);
});
