// The supervisor API of a real `edgepush device` over a real dockerd: the balena wire shapes, the reconciler
// creating containers from a posted target, logs, service actions, bad input, and per-device scoping.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  startTestDevice,
  api,
  status,
  waitFor,
  buildThroughDevice,
  postTarget,
  serviceContainers,
  followLogs,
  targetState,
  docker,
  type TestDevice,
} from './helpers.js';
import { testAddress } from '../../testNet.js';

let a: TestDevice;
let b: TestDevice;

before(async () => {
  a = await startTestDevice(testAddress(10, 11));
  b = await startTestDevice(testAddress(10, 12));
});
after(async () => {
  await Promise.all([a?.cleanup(), b?.cleanup()]);
});

test('answers the calls balena push makes, with the real supervisor shapes', async () => {
  const ping = await api(a.address, 'GET', '/ping');
  assert.equal(ping.status, 200);
  assert.equal(ping.text, 'OK');
  const v = (await api(a.address, 'GET', '/v2/version')).json as { status: string; version: string };
  assert.equal(v.status, 'success');
  assert.match(v.version, /^\d+\.\d+\.\d+$/);
  assert.deepEqual((await api(a.address, 'GET', '/v2/local/device-info')).json, {
    status: 'success',
    info: { arch: 'amd64', deviceType: 'genericx86-64-ext' },
  });
  const ts = (await api(a.address, 'GET', '/v2/local/target-state')).json as {
    status: string;
    state: { local: { name: string; config: Record<string, string>; apps: object } };
  };
  assert.equal(ts.status, 'success');
  assert.equal(ts.state.local.name, a.name);
  assert.equal(ts.state.local.config.SUPERVISOR_LOCAL_MODE, '1');
  assert.deepEqual((await api(a.address, 'GET', '/v2/device/name')).json, { status: 'success', deviceName: a.name });
  assert.equal((await api(a.address, 'GET', '/v2/nothing-here')).status, 404);
});

test('a posted target state runs its containers, logs their output and reports applied', async () => {
  const logs = followLogs(a.address);
  try {
    await buildThroughDevice(a, 'local_main', 'trap "exit 0" TERM\necho "hello $GREETING"\nwhile true; do sleep 1; done\n');
    const body = targetState(a.name, [
      { serviceName: 'main', image: 'local_main', environment: { GREETING: 'from-main' }, volumes: ['resin-data:/data'] },
    ]);
    (body as { local: { apps: { '1': { volumes: object } } } }).local.apps['1'].volumes = { 'resin-data': {} };
    assert.deepEqual((await api(a.address, 'POST', '/v2/local/target-state', body)).json, { status: 'success', message: 'OK' });
    const st = await waitFor('applied', async () => {
      const s = await status(a.address);
      return s.appState === 'applied' && s.containers.length === 1 ? s : undefined;
    });
    assert.equal(st.containers[0]!.status, 'Running');
    assert.equal(st.containers[0]!.serviceName, 'main');
    assert.equal(st.release, 'c0ffee01');
    assert.ok(st.images[0]!.dockerImageId?.startsWith('sha256:'));
    await waitFor('service output in the log stream', async () =>
      logs.lines.some((l) => l.serviceName === 'main' && l.message === 'hello from-main'),
    );
    assert.deepEqual(logs.lines[0], { message: 'Streaming logs', isSystem: true });
    assert.ok(logs.lines.some((l) => l.isSystem && /^Installing service 'main sha256:/.test(l.message)));
    // echoed back unchanged, and a named volume scoped to the device
    const echoed = (await api(a.address, 'GET', '/v2/local/target-state')).json as { state: unknown };
    assert.deepEqual(echoed.state, body);
    const vols = await docker.listVolumes({ filters: JSON.stringify({ label: [`io.edgepush.device=${a.id}`] }) });
    assert.deepEqual(
      vols.Volumes?.map((x) => x.Name),
      [`ep-${a.id}_1_resin-data`],
    );
    const ids = (await api(a.address, 'GET', '/v2/containerId?serviceName=main')).json as { status: string; containerId: string };
    assert.equal(ids.containerId, st.containers[0]!.containerId);
    assert.equal((await api(a.address, 'GET', '/v2/containerId?serviceName=nope')).status, 503);
  } finally {
    logs.close();
  }
});

test('restart, stop and start a service like the supervisor endpoints; logs continue without duplicates', async () => {
  const logs = followLogs(a.address, '?since=0');
  const hellos = () => logs.lines.filter((l) => l.serviceName === 'main' && l.message === 'hello from-main').length;
  await waitFor('the first hello replayed', async () => hellos() === 1);
  const [before] = await serviceContainers(a, 'main');
  assert.ok(before, 'service main runs from the previous test');
  const stop = await api(a.address, 'POST', '/v2/applications/1/stop-service', { serviceName: 'main' });
  assert.equal(stop.status, 200);
  assert.equal(stop.text, 'OK');
  assert.equal((await serviceContainers(a, 'main'))[0]!.State, 'exited');
  // the reconciler does not undo a stop-service
  await waitFor('applied after stop', async () => (await status(a.address)).appState === 'applied');
  assert.equal((await status(a.address)).containers[0]!.status, 'exited');
  assert.equal((await api(a.address, 'POST', '/v2/applications/1/start-service', { serviceName: 'main' })).status, 200);
  assert.equal((await serviceContainers(a, 'main'))[0]!.State, 'running');
  const started = (await docker.getContainer(before.Id).inspect()).State.StartedAt;
  assert.equal((await api(a.address, 'POST', '/v2/applications/1/restart-service', { serviceName: 'main' })).status, 200);
  assert.notEqual((await docker.getContainer(before.Id).inspect()).State.StartedAt, started);
  // started twice more (start-service, restart-service): exactly one new hello each, none repeated
  await waitFor('three hellos', async () => hellos() === 3);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(hellos(), 3);
  logs.close();
  assert.equal((await api(a.address, 'POST', '/v2/applications/1/restart-service', { serviceName: 'ghost' })).status, 404);
  assert.equal((await api(a.address, 'POST', '/v2/applications/1/restart-service', {})).status, 400);
  assert.equal((await api(a.address, 'POST', '/v2/applications/77/restart-service', { serviceName: 'main' })).status, 404);
});

test('bad input: malformed JSON, wrong shapes and oversized bodies are refused, state unchanged', async () => {
  const before = (await api(a.address, 'GET', '/v2/local/target-state')).text;
  const malformed = await api(a.address, 'POST', '/v2/local/target-state', undefined, '{"local": {');
  assert.equal(malformed.status, 400);
  assert.equal((malformed.json as { status: string }).status, 'failed');
  const wrong = await api(a.address, 'POST', '/v2/local/target-state', {
    local: { apps: { '1': { services: { '1': { serviceName: 'x' } } } } },
  });
  assert.equal(wrong.status, 400);
  assert.match((wrong.json as { message: string }).message, /image/);
  const huge = await api(a.address, 'POST', '/v2/local/target-state', undefined, JSON.stringify({ local: { name: 'x'.repeat(2 << 20) } }));
  assert.equal(huge.status, 413);
  assert.equal((await api(a.address, 'GET', '/v2/local/target-state')).text, before);
  assert.equal((await serviceContainers(a, 'main'))[0]!.State, 'running');
});

test('an image that is not there: a clear log line and the old release keeps running', async () => {
  const logs = followLogs(a.address);
  try {
    const [old] = await serviceContainers(a, 'main');
    await postTarget(a, [{ serviceName: 'main', image: 'local_missing' }], 'c0ffee02');
    await waitFor('missing-image log line', async () =>
      logs.lines.some((l) => l.isSystem && /Failed to download image 'local_missing'.*not found/.test(l.message)),
    );
    assert.equal((await status(a.address)).appState, 'applying');
    assert.equal((await serviceContainers(a, 'main'))[0]!.Id, old!.Id);
  } finally {
    logs.close();
  }
});

test('a build that fails through the engine endpoint: the client gets the error and the device log says so', async () => {
  const logs = followLogs(a.address);
  try {
    await assert.rejects(buildThroughDevice(a, 'local_broken', 'echo never\n', 'RUN exit 3\n'), /returned a non-zero code: 3/);
    await waitFor('build failure log line', async () =>
      logs.lines.some((l) => l.isSystem && /Image build failed for local_broken: .*non-zero code: 3/.test(l.message)),
    );
  } finally {
    logs.close();
  }
});

test('devices on one engine see only their own containers and images', async () => {
  await buildThroughDevice(b, 'local_main', 'echo b; sleep 1000\n');
  const idA = (await a.engine.getImage('local_main').inspect()).Id;
  const idB = (await b.engine.getImage('local_main').inspect()).Id;
  assert.notEqual(idA, idB, 'each device has its own local_main');
  const listB = await b.engine.listContainers({ all: true });
  assert.equal(listB.length, 0, 'device b lists none of device a containers');
  const listA = await a.engine.listContainers({ all: true });
  assert.ok(listA.length >= 1 && listA.every((c) => c.Labels['io.edgepush.device'] === a.id));
  const tagsB = (await b.engine.listImages()).flatMap((i) => i.RepoTags ?? []);
  assert.ok(tagsB.includes('local_main:latest'));
  assert.ok(!tagsB.some((t) => t.includes(a.id)));
});
