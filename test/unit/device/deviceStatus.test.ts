// GET /v2/state/status download progress: per image while it downloads, and the mean over those as
// overallDownloadProgress (null when nothing downloads), from the device's latest update events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { downloadsInProgress } from '../../../simulator/device/deviceStatus.js';
import type { UpdateEvent } from '../../../simulator/shared/updateEvents.js';

const ev = (serviceName: string, phase: 'downloading' | 'downloaded' | 'running', release: string, progress?: number): UpdateEvent => ({
  type: 'service',
  time: 0,
  appId: 1,
  serviceName,
  phase,
  release,
  ...(progress !== undefined ? { progress } : {}),
});

test('only services of the release being applied that are still downloading count, with their progress', () => {
  const latest = [
    ev('a', 'downloading', 'r2', 40),
    ev('b', 'downloading', 'r2'),
    ev('c', 'downloaded', 'r2'),
    ev('d', 'downloading', 'r1', 90),
  ];
  const d = downloadsInProgress(latest, () => 'r2');
  assert.deepEqual(
    [...d.entries()],
    [
      ['1/a', 40],
      ['1/b', 0],
    ],
  );
  assert.equal(downloadsInProgress([ev('a', 'running', 'r2')], () => 'r2').size, 0);
});

test('the status body is read from the read model: service statuses over engine states, resolved images, progress', async () => {
  const { DeviceState } = await import('../../../simulator/device/deviceState.js');
  const { UpdateEventBus } = await import('../../../simulator/device/updateEventBus.js');
  const { statusBody } = await import('../../../simulator/device/deviceStatus.js');
  const { container, oneApp } = await import('./fixtures.js');
  const state = new DeviceState({
    initialTarget: oneApp('r2', { main: 'local_main', side: 'local_side' }),
    startable: new Set(),
    saveStartable: () => undefined,
    readContainers: async () => [],
    events: new UpdateEventBus(),
  });
  state.setImageId('local_main', 'sha256:aa');
  state.setImageId('local_side', null);
  state.setServiceStatus(1, 'main', 'Stopping');
  state.emit({ type: 'service', appId: 1, serviceName: 'side', release: 'r2', phase: 'downloading', progress: 30 });
  const body = statusBody(state, [
    container({ id: 'a', serviceName: 'main', state: 'running', health: 'healthy' }),
    container({ id: 'b', serviceName: 'side', state: 'dead' }),
  ]);
  assert.equal(body.appState, 'applying');
  assert.equal(body.release, 'r2');
  assert.equal(body.overallDownloadProgress, 30);
  assert.deepEqual(
    body.containers.map((c) => [c.serviceName, c.status, c.health]),
    [
      ['main', 'Stopping', 'healthy'],
      ['side', 'Dead', undefined],
    ],
  );
  assert.deepEqual(
    body.images.map((i) => [i.serviceName, i.status, i.dockerImageId, i.downloadProgress]),
    [
      ['main', 'Downloaded', 'sha256:aa', null],
      ['side', 'Downloading', null, 30],
    ],
  );
});
