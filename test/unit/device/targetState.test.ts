import { test } from 'node:test';
import assert from 'node:assert/strict';
import { localStateSchema, normalizeApps, checkUnique } from '../../../simulator/device/targetState.js';

const cliBody = {
  local: {
    name: 'sim',
    config: { SUPERVISOR_LOCAL_MODE: '1' },
    apps: {
      '1': {
        name: 'localapp',
        commit: '10ca12e1ea5e',
        releaseId: '1',
        services: {
          '1': {
            environment: { FOO: 'bar' },
            labels: {
              'io.resin.features.dbus': '1',
              'io.balena.update.strategy': 'hand-over',
              'io.balena.update.handover-timeout': '5000',
            },
            privileged: true,
            tty: true,
            restart: 'always',
            network_mode: 'host',
            volumes: ['resin-data:/data'],
            imageId: 1,
            serviceName: 'main',
            serviceId: 1,
            image: 'local_main',
            running: true,
            some_future_key: 1,
          },
        },
        volumes: { 'resin-data': {} },
        networks: {},
      },
    },
  },
};

test('the body the balena CLI posts parses, keeping unknown compose keys', () => {
  const parsed = localStateSchema.parse(cliBody);
  assert.equal((parsed.local.apps['1']!.services['1'] as Record<string, unknown>).some_future_key, 1);
  const [app] = normalizeApps(parsed);
  assert.equal(app!.appId, 1);
  assert.equal(app!.releaseId, 1);
  const s = app!.services[0]!;
  assert.equal(s.strategy, 'hand-over');
  assert.equal(s.handoverTimeoutMs, 5000);
  assert.deepEqual(s.environment, { FOO: 'bar' });
  assert.deepEqual(app!.volumes, ['resin-data']);
});

test('wrong shapes are refused', () => {
  assert.equal(localStateSchema.safeParse({}).success, false);
  assert.equal(localStateSchema.safeParse({ local: { apps: { abc: {} } } }).success, false);
  assert.equal(localStateSchema.safeParse({ local: { apps: { '1': { services: { '1': { serviceName: 'x' } } } } } }).success, false);
  assert.equal(
    localStateSchema.safeParse({ local: { apps: { '1': { services: { '1': { serviceName: 'x', image: 'i', restart: 'sometimes' } } } } } })
      .success,
    false,
  );
});

test('environment as a list and duplicate service names', () => {
  const st = localStateSchema.parse({
    local: {
      apps: {
        '1': { services: { '1': { serviceName: 'a', image: 'i', environment: ['A=1', 'B=x=y'] }, '2': { serviceName: 'a', image: 'j' } } },
      },
    },
  });
  const apps = normalizeApps(st);
  assert.deepEqual(apps[0]!.services[0]!.environment, { A: '1', B: 'x=y' });
  assert.match(checkUnique(apps) ?? '', /duplicate service name 'a'/);
});
