// Update strategies and update locks on a real engine: what runs while an update is held back or in flight.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  startTestDevice,
  status,
  waitFor,
  buildThroughDevice,
  postTarget,
  serviceContainers,
  followLogs,
  collectEvents,
  docker,
  type TestDevice,
} from './helpers.js';
import { testAddress } from '../../testNet.js';

let dev: TestDevice;
const RUN = 'trap "exit 0" TERM\necho "release $REL"\nwhile true; do sleep 1; done\n';

before(async () => {
  dev = await startTestDevice(testAddress(10, 21));
  await buildThroughDevice(dev, 'local_main', RUN);
});
after(async () => {
  await dev?.cleanup();
});

async function runRelease(strategy: string, rel: string, image = 'local_main', extraLabels: Record<string, string> = {}): Promise<void> {
  await postTarget(
    dev,
    [{ serviceName: 'main', image, environment: { REL: rel }, labels: { 'io.balena.update.strategy': strategy, ...extraLabels } }],
    `c-${rel}`,
  );
}

async function applied(): Promise<void> {
  await waitFor('applied', async () => (await status(dev.address)).appState === 'applied');
}

async function running(): Promise<Awaited<ReturnType<typeof serviceContainers>>> {
  return (await serviceContainers(dev, 'main')).filter((c) => c.State === 'running');
}

test('download-then-kill: the old release keeps running while the new image is missing', async () => {
  await runRelease('download-then-kill', 'r1');
  await applied();
  const [old] = await running();
  const logs = followLogs(dev.address);
  try {
    await runRelease('download-then-kill', 'r2', 'local_notyet');
    await waitFor('missing image reported', async () => logs.lines.some((l) => /Failed to download image 'local_notyet'/.test(l.message)));
    assert.deepEqual(
      (await running()).map((c) => c.Id),
      [old!.Id],
    );
    // the image arrives (built through the engine endpoint): the update completes by itself
    await buildThroughDevice(dev, 'local_notyet', RUN);
    await applied();
    const now = await running();
    assert.equal(now.length, 1);
    assert.notEqual(now[0]!.Id, old!.Id);
  } finally {
    logs.close();
  }
});

test('kill-then-download: the old release is killed before the new image is there', async () => {
  await runRelease('kill-then-download', 'r3');
  await applied();
  assert.equal((await running()).length, 1);
  await runRelease('kill-then-download', 'r4', 'local_absent');
  await waitFor('old container gone', async () => (await serviceContainers(dev, 'main')).length === 0);
  assert.equal((await status(dev.address)).appState, 'applying');
});

test('delete-then-download: the old image is deleted with the old container', async () => {
  const oldImage = await buildThroughDevice(dev, 'local_deleteme', RUN, 'LABEL variant=deleteme\n');
  await runRelease('delete-then-download', 'r5', 'local_deleteme');
  await applied();
  await runRelease('delete-then-download', 'r6', 'local_main');
  await applied();
  await assert.rejects(docker.getImage(oldImage).inspect(), /no such image|404/i, dev.stderr());
  assert.equal((await running()).length, 1);
});

test('hand-over: old and new run side by side until the new one signals handover-complete', async () => {
  await runRelease('download-then-kill', 'r7');
  await applied();
  const [old] = await running();
  const events = collectEvents(dev.address, (e) => e.type === 'service' && e.phase === 'handing-over');
  await runRelease('hand-over', 'r8', 'local_main', { 'io.balena.update.handover-timeout': '60000' });
  await events.done;
  const both = await running();
  assert.equal(both.length, 2, 'old and new run together during the hand-over');
  assert.ok(both.some((c) => c.Id === old!.Id));
  const lockDir = join(dev.dataDir, 'locks', '1', 'main');
  writeFileSync(join(lockDir, 'handover-complete'), '');
  await applied();
  const after = await running();
  assert.equal(after.length, 1);
  assert.notEqual(after[0]!.Id, old!.Id);
});

test('updates.lock holds an update back; removing it lets the device converge', async () => {
  await runRelease('download-then-kill', 'r9');
  await applied();
  const [old] = await running();
  const lock = join(dev.dataDir, 'locks', '1', 'main', 'updates.lock');
  writeFileSync(lock, '');
  try {
    const events = collectEvents(dev.address, (e) => e.type === 'service' && e.phase === 'waiting' && e.message === 'updates locked');
    await runRelease('download-then-kill', 'r10');
    await events.done;
    assert.deepEqual(
      (await running()).map((c) => c.Id),
      [old!.Id],
      'the locked service was not touched',
    );
    assert.equal((await status(dev.address)).appState, 'applying');
    // the lock is visible inside the container where BALENA_APP_LOCK_PATH says
    const exec = await docker
      .getContainer(old!.Id)
      .exec({ Cmd: ['sh', '-c', 'test -f "$BALENA_APP_LOCK_PATH" && echo held'], AttachStdout: true });
    const out = await new Promise<string>((resolve) => {
      void exec.start({}).then((s) => {
        let text = '';
        s.on('data', (c: Buffer) => (text += c.toString()));
        s.on('end', () => resolve(text));
      });
    });
    assert.match(out, /held/);
  } finally {
    rmSync(lock, { force: true });
  }
  await applied();
  const [now] = await running();
  assert.notEqual(now!.Id, old!.Id);
  const env = (await docker.getContainer(now!.Id).inspect()).Config.Env;
  assert.ok(env.includes('REL=r10'));
});
