// The push side against a real `edgepush device`: a delta upload that was cut off (a killed push) is resumed
// at once by the next one instead of answering 423 while the device still holds it; and a device that dies
// mid-build makes `edgepush push` exit 3 (device unreachable), not 4 (build failed).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createImageDeltaFileOffThread } from '../../../simulator/engine/imageDeltaFileOffThread.js';
import { writeImageArchive } from '../../../simulator/engine/imageArchiveWriter.js';
import { DeviceClient } from '../../../simulator/push/deviceClient.js';
import { deltaIdOf, sendImageDelta } from '../../../simulator/push/build/sendDelta.js';
import { waitFor } from '../device/helpers.js';
import { EdgePushError } from '../../../simulator/shared/errors.js';
import { CliSession, startDevice, type TestDevice } from './harness.js';
import { makeImage, makeTar, randomBytes } from '../../unit/engine/fixtures.js';
import { testAddress } from '../../testNet.js';

let dev: TestDevice;
let work: string;

before(async () => {
  // A slow link, so that a cut-off upload is still held by the device when the retry comes.
  dev = await startDevice(testAddress(51, 20), 'ep18-push', { link: '4mbit' });
  work = await mkdtemp(join(tmpdir(), 'ep18-push-'));
});
after(async () => {
  await dev?.cleanup();
  await rm(work, { recursive: true, force: true });
});

test('a cut-off delta upload is resumed at once by the next push, from the middle of the delta file', async () => {
  const target = makeImage([await makeTar([{ name: 'payload', data: randomBytes(1_000_000, 18) }])], 'local_resume:latest');
  // The large-image form (sent from its file), as shipToDevice makes it; the in-memory one is deltaProgress's.
  const spool = join(work, 'spool');
  await mkdir(spool);
  const delta = await createImageDeltaFileOffThread({
    target: { stream: writeImageArchive({ ...target, layers: target.layers.map((l) => ({ ...l, size: l.data.length })) }) },
    estimates: false,
    workDir: spool,
  });
  const client = new DeviceClient(dev.address);
  const id = deltaIdOf(await delta.content.digest());
  const first = new AbortController();
  const cut = sendImageDelta(client, delta, { tag: 'local_resume', signal: first.signal });
  // Cut it off (as a killed push) once the device holds a good part of it.
  await waitFor('the device to hold 200 kB', async () => {
    const r = await fetch(`http://${dev.address}:48484/v2/edgepush/deltas/${id}`);
    return r.status === 200 && ((await r.json()) as { offset: number }).offset > 200_000;
  });
  first.abort();
  await assert.rejects(cut, (err: unknown) => EdgePushError.is(err, 'cancelled'));
  // The next push, straight away: the device hands the held upload over and the push resumes where it stopped.
  let resumedFrom: number | undefined;
  await sendImageDelta(client, delta, { tag: 'local_resume', onProgress: (sent) => (resumedFrom ??= sent) });
  assert.ok((resumedFrom ?? 0) > 100_000, `resumed from ${resumedFrom}, not from the start`);
  assert.equal((await client.engine().getImage('local_resume').inspect()).Id, target.imageId);
  await delta.dispose();
  assert.deepEqual(await readdir(spool), [], 'disposed: the delta file and its folder are gone');
});

test('a device that dies during the build: exit 3, not 4', async () => {
  const dir = join(work, 'slowbuild');
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'Dockerfile'),
    'FROM edgepush-base/busybox:latest\nRUN echo building && sleep 60\nCMD ["sh", "-c", "sleep 1000"]\n',
  );
  const push = new CliSession(['push', dir, '--device', dev.address, '--detached']);
  try {
    await push.waitFor('the build under way', (s) => /building/.test(s.stdout + s.stderr));
    process.kill(dev.device.pid, 'SIGKILL');
    const code = await push.exited;
    assert.equal(code, 3, `exit ${code}\n${push.stderr.slice(-2000)}`);
  } finally {
    await push.stop();
  }
});
