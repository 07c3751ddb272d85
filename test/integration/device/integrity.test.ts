// Integrity and the host's safety on a real `edgepush device`: after a kill -9 the device runs exactly the
// images its release ran (a tag moved through :2375 meanwhile changes nothing); delete-then-download removes
// only images the device made; and a service asking for host root (host binds, capabilities, devices, host
// networking) runs without it, each refusal said in the device log.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import { pack as tarPack } from 'tar-stream';
import {
  startTestDevice,
  api,
  status,
  waitFor,
  buildThroughDevice,
  postTarget,
  serviceContainers,
  followLogs,
  docker,
  type TestDevice,
} from './helpers.js';
import { testAddress, runTag } from '../../testNet.js';

const FOREIGN = `edgepush-it-foreign/${runTag()}:1`;
let dev: TestDevice;

before(async () => {
  dev = await startTestDevice(testAddress(51, 1));
});
after(async () => {
  await dev?.cleanup();
  await docker
    .getImage(FOREIGN)
    .remove({ force: true })
    .catch(() => undefined);
});

const SCRIPT = (v: string) => `trap "exit 0" TERM\necho "running ${v}"\nwhile true; do sleep 1; done\n`;

async function applied(): Promise<void> {
  await waitFor('applied', async () => (await status(dev.address)).appState === 'applied', 60000);
}

test('after a kill -9, the release runs the image it was pinned to, even though its tag was moved', async () => {
  const v1 = await buildThroughDevice(dev, 'local_main', SCRIPT('v1'));
  await postTarget(dev, [{ serviceName: 'main', image: 'local_main' }], 'release1');
  await applied();
  const [before] = await serviceContainers(dev, 'main');
  assert.equal(before?.ImageID, v1);
  // Someone moves the tag through the device's engine endpoint (a build for another project, a manual retag).
  const v2 = await buildThroughDevice(dev, 'local_other', SCRIPT('v2'));
  const moved = await fetch(`http://${dev.address}:2375/v1.41/images/local_other/tag?repo=local_main&tag=latest`, { method: 'POST' });
  assert.equal(moved.status, 201, await moved.text());
  assert.equal((await dev.engine.getImage('local_main').inspect()).Id, v2);
  await dev.restart({ kill: true });
  await applied();
  const after = await serviceContainers(dev, 'main');
  assert.deepEqual(
    after.map((c) => [c.Id, c.ImageID]),
    [[before!.Id, v1]],
    'the same container, on the pinned image',
  );
  const st = await status(dev.address);
  assert.equal(st.images[0]?.dockerImageId, v1);
});

test('delete-then-download removes only images the device made', async () => {
  const pack = tarPack();
  pack.entry(
    { name: 'Dockerfile' },
    'FROM edgepush-base/busybox:latest\nLABEL io.edgepush.test=foreign\nCMD ["sh", "-c", "trap \\"exit 0\\" TERM; while true; do sleep 1; done"]\n',
  );
  pack.finalize();
  const stream = (await docker.buildImage(pack as unknown as Readable, { t: FOREIGN })) as unknown as Readable;
  await new Promise((res, rej) => docker.modem.followProgress(stream, (err: Error | null) => (err ? rej(err) : res(undefined))));
  const foreignId = (await docker.getImage(FOREIGN).inspect()).Id;
  const strategy = { 'io.balena.update.strategy': 'delete-then-download' };
  await postTarget(dev, [{ serviceName: 'main', image: FOREIGN, labels: strategy }], 'release2');
  await applied();
  assert.equal((await serviceContainers(dev, 'main'))[0]?.ImageID, foreignId);
  const logs = followLogs(dev.address);
  try {
    const v3 = await buildThroughDevice(dev, 'local_main', SCRIPT('v3'));
    await postTarget(dev, [{ serviceName: 'main', image: 'local_main', labels: strategy }], 'release3');
    await applied();
    assert.equal((await serviceContainers(dev, 'main'))[0]?.ImageID, v3);
    assert.equal((await docker.getImage(FOREIGN).inspect()).Id, foreignId, 'the foreign image is still there');
    await waitFor('the log says why', async () => logs.lines.some((l) => /Keeping image .*did not create it/.test(l.message)));
  } finally {
    logs.close();
  }
});

test('a service that asks for host root runs without it, each refusal in the device log', async () => {
  await buildThroughDevice(dev, 'local_root', SCRIPT('root'));
  const logs = followLogs(dev.address);
  try {
    await postTarget(
      dev,
      [
        {
          serviceName: 'main',
          image: 'local_root',
          volumes: ['/:/hostroot'],
          cap_add: ['SYS_ADMIN', 'NET_BIND_SERVICE'],
          devices: ['/dev/mem:/dev/mem'],
          network_mode: 'host',
          privileged: true,
        },
      ],
      'release4',
    );
    await applied();
    const [c] = await serviceContainers(dev, 'main');
    const hc = (await docker.getContainer(c!.Id).inspect()).HostConfig;
    assert.ok(!(hc.Binds ?? []).some((b) => b.startsWith('/:')), `no host root bind: ${JSON.stringify(hc.Binds)}`);
    assert.deepEqual(hc.CapAdd, ['NET_BIND_SERVICE']);
    assert.deepEqual(hc.Devices ?? [], []);
    assert.notEqual(hc.NetworkMode, 'host');
    assert.equal(hc.Privileged, false);
    for (const what of [
      'privileged mode',
      "bind mount of host path '/'",
      'capabilities SYS_ADMIN',
      'host devices',
      "the host's network namespace",
    ]) {
      await waitFor(`a log line about ${what}`, async () =>
        logs.lines.some((l) => l.isSystem && l.message.includes(`asks for ${what}`) && l.message.includes('not granted')),
      );
    }
    // the engine endpoint refuses the same, with 403
    const create = await fetch(`http://${dev.address}:2375/v1.41/containers/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Image: 'edgepush-base/busybox:latest', HostConfig: { Binds: ['/:/hostroot'] } }),
    });
    assert.equal(create.status, 403, await create.text());
    assert.equal((await api(dev.address, 'GET', '/ping')).status, 200);
  } finally {
    logs.close();
  }
});
