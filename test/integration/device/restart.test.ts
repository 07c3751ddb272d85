// Persistence and recovery: kill -9 of the agent in the middle of an update, a clean power cycle, and the
// engine going away and coming back.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import {
  startTestDevice,
  api,
  status,
  waitFor,
  buildThroughDevice,
  postTarget,
  serviceContainers,
  collectEvents,
  followLogs,
  docker,
  type TestDevice,
} from './helpers.js';
import { testAddress } from '../../testNet.js';

const RUN = 'trap "exit 0" TERM\necho "release $REL"\nwhile true; do sleep 1; done\n';
let dev: TestDevice;

before(async () => {
  dev = await startTestDevice(testAddress(10, 31));
  await buildThroughDevice(dev, 'local_main', RUN);
});
after(async () => {
  await dev?.cleanup();
});

async function convergedTo(rel: string): Promise<void> {
  await waitFor(`converged to ${rel}`, async () => {
    const s = await status(dev.address);
    if (s.appState !== 'applied') return false;
    const running = (await serviceContainers(dev, 'main')).filter((c) => c.State === 'running');
    if (running.length !== 1) return false;
    const env = (await docker.getContainer(running[0]!.Id).inspect()).Config.Env;
    return env.includes(`REL=${rel}`);
  });
  assert.equal((await serviceContainers(dev, 'main')).length, 1, 'no leftover containers');
}

for (const phase of ['stopping', 'installing', 'starting'] as const) {
  test(`kill -9 of the agent when the update is '${phase}': after restart the new release runs`, async () => {
    await postTarget(dev, [{ serviceName: 'main', image: 'local_main', environment: { REL: `before-${phase}` } }]);
    await convergedTo(`before-${phase}`);
    const events = collectEvents(dev.address, (e) => e.type === 'service' && e.phase === phase);
    await postTarget(dev, [{ serviceName: 'main', image: 'local_main', environment: { REL: `after-${phase}` } }]);
    await events.done;
    process.kill(dev.proc.pid, 'SIGKILL');
    assert.equal(await dev.proc.exited, 137);
    await dev.restart();
    await convergedTo(`after-${phase}`);
  });
}

test('a clean stop powers the device off; the next start brings its services back', async () => {
  const [before] = (await serviceContainers(dev, 'main')).filter((c) => c.State === 'running');
  assert.ok(before);
  await dev.proc.stop();
  assert.equal((await serviceContainers(dev, 'main'))[0]!.State, 'exited');
  await dev.restart();
  await waitFor('service running again', async () => (await serviceContainers(dev, 'main'))[0]?.State === 'running');
  assert.equal((await serviceContainers(dev, 'main'))[0]!.Id, before.Id, 'the same container, started again');
});

test('the engine going away: 503 and a log line; the device recovers when it returns', async () => {
  // A TCP front for the real engine that the test can take down.
  const sockets = new Set<net.Socket>();
  const front = net.createServer((c) => {
    const up = net.connect('/var/run/docker.sock');
    sockets.add(c).add(up);
    c.pipe(up).pipe(c);
    const close = () => (c.destroy(), up.destroy());
    c.on('error', close).on('close', close);
    up.on('error', close).on('close', close);
  });
  const listen = () => new Promise<void>((r) => front.listen(23750, testAddress(10, 32), () => r()));
  await listen();
  const other = await startTestDevice(testAddress(10, 33), { engine: `tcp://${testAddress(10, 32)}:23750` });
  try {
    await buildThroughDevice(other, 'local_main', RUN);
    await postTarget(other, [{ serviceName: 'main', image: 'local_main', environment: { REL: 'x' } }]);
    await waitFor('applied', async () => (await status(other.address)).appState === 'applied');
    const logs = followLogs(other.address);
    await new Promise<void>((r) => front.close(() => r()) && sockets.forEach((s) => s.destroy()));
    const down = await api(other.address, 'GET', '/v2/state/status');
    assert.equal(down.status, 503);
    assert.equal((down.json as { status: string }).status, 'failed');
    await waitFor('engine log line', async () => logs.lines.some((l) => l.isSystem && /Engine not reachable/.test(l.message)));
    assert.equal((await api(other.address, 'GET', '/ping')).status, 200, 'the supervisor itself still answers');
    await listen();
    await waitFor('recovered', async () => {
      const r = await api(other.address, 'GET', '/v2/state/status');
      return r.status === 200 && (r.json as { appState: string }).appState === 'applied';
    });
    logs.close();
  } finally {
    await other.cleanup();
    front.close();
    sockets.forEach((s) => s.destroy());
  }
});
