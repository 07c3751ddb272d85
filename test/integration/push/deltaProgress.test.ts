// The progress a delta send reports (the dashboard's "Shipping 40% · 1.20 MB") is what the device has received,
// read from its own transfer events, not what left this machine: on a slow link the sockets take a whole
// megabyte at once while the device still holds a tenth of it.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createImageDelta } from '../../../simulator/engine/imageDelta.js';
import { DeviceClient } from '../../../simulator/push/deviceClient.js';
import { deltaIdOf, SEND_PIECE_BYTES, sendImageDelta } from '../../../simulator/push/build/sendDelta.js';
import { startDevice, type TestDevice } from './harness.js';
import { makeImage, makeTar, randomBytes } from '../../unit/engine/fixtures.js';
import { testAddress } from '../../testNet.js';

let dev: TestDevice;

before(async () => {
  dev = await startDevice(testAddress(51, 30), 'ep-progress', { link: '4mbit' });
});
after(async () => {
  await dev?.cleanup();
});

test('on a slow link the progress of a delta is what the device received', { timeout: 60_000 }, async () => {
  const target = makeImage([await makeTar([{ name: 'payload', data: randomBytes(1_000_000, 7) }])], 'local_progress:latest');
  const delta = await createImageDelta({ target, estimates: false });
  const client = new DeviceClient(dev.address);
  const id = deltaIdOf(await delta.content.digest());
  const reports: number[] = [];
  const checks: Promise<void>[] = [];
  await sendImageDelta(client, delta, {
    tag: 'local_progress',
    onProgress: (bytes, total) => {
      assert.equal(total, delta.bytes);
      reports.push(bytes);
      if (bytes >= total) return;
      // Asked after the report, the device holds at least what was reported (less the piece it is writing).
      checks.push(
        fetch(`http://${dev.address}:48484/v2/edgepush/deltas/${id}`)
          .then((r) => r.json() as Promise<{ complete: boolean; offset?: number }>)
          .then((held) => {
            if (held.complete) return;
            assert.ok((held.offset ?? 0) + SEND_PIECE_BYTES >= bytes, `reported ${bytes} while the device held ${held.offset}`);
          }),
      );
    },
  });
  const failed = (await Promise.allSettled(checks)).find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  assert.equal(reports.at(-1), delta.bytes, 'it ends at 100%');
  assert.ok(
    reports.every((b, i) => i === 0 || b > reports[i - 1]!),
    'it never goes back',
  );
  const midway = reports.filter((b) => b > delta.bytes * 0.1 && b < delta.bytes * 0.9);
  assert.ok(midway.length >= 3, `several readings on the way (${reports.join(', ')})`);
});
