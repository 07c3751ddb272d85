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
