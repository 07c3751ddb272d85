// The supervisor API's routes over a fake DeviceBackend: routing, body validation and status codes, with no
// engine and no socket (requests and responses are in-memory streams). The real backend is exercised by the
// integration tests against a running agent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { supervisorHandler } from '../../../simulator/device/supervisorApi.js';
import type { DeviceBackend, ServiceAction, ServiceSelector } from '../../../simulator/device/deviceBackend.js';
import type { LocalState } from '../../../simulator/device/targetState.js';
import { locked, notFound } from '../../../simulator/shared/errors.js';

interface Reply {
  status: number;
  headers: Record<string, unknown>;
  body: string;
}

/** One request through the handler; resolves with what a client would read. */
function call(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const req = Object.assign(Readable.from(text ? [Buffer.from(text)] : []), {
    method,
    url,
    headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers },
    complete: true,
  }) as unknown as IncomingMessage;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const reply: Reply = { status: 0, headers: {}, body: '' };
    const res = Object.assign(
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          chunks.push(Buffer.from(chunk));
          cb();
        },
      }),
      {
        headersSent: false,
        writeHead(status: number, h: Record<string, unknown> = {}) {
          reply.status = status;
          reply.headers = h;
          (res as { headersSent: boolean }).headersSent = true;
          return res;
        },
        setHeader() {},
      },
    );
    res.on('finish', () => resolve({ ...reply, body: Buffer.concat(chunks).toString() }));
    handler(req, res as unknown as ServerResponse);
  });
}

function fakeBackend() {
  const calls: Array<{
    action: ServiceAction | 'purge' | 'reboot' | 'setTarget';
    appId?: number;
    select?: ServiceSelector;
    force?: boolean;
  }> = [];
  let target: LocalState | undefined;
  const backend: DeviceBackend = {
    info: { arch: 'aarch64', deviceType: 'raspberrypi4-64', uuid: 'u1' },
    deviceName: () => 'pi',
    targetState: () => target as LocalState,
    setTarget: (s) => {
      target = s;
      calls.push({ action: 'setTarget' });
    },
    status: async () => ({
      status: 'success',
      appState: 'applied',
      overallDownloadProgress: null,
      containers: [],
      images: [],
      release: null,
    }),
    containerIds: async () => ({ main: 'c1' }),
    serviceAction: async (action, appId, select, force) => {
      if (appId !== 1) throw notFound(`Application with ID ${appId} not found`);
      if (select !== 'all' && select.serviceName === 'held' && !force) throw locked('Updates are locked: held');
      calls.push({ action, appId, select, force });
    },
    purge: async (appId, force) => void calls.push({ action: 'purge', appId, force }),
    reboot: async (force) => void calls.push({ action: 'reboot', force }),
    followLogs: (res) => res.end(),
    subscribeEvents: () => ({ snapshot: [], unsubscribe: () => undefined }),
    stats: () => ({ receivedBytes: 5, linkBytesPerSecond: null, linkBitsPerSecond: null }),
    systemLog: () => undefined,
  };
  return { backend, calls };
}

const target = {
  local: { name: 'pi', config: {}, apps: { '1': { name: 'app', commit: 'r1', releaseId: 1, services: {}, volumes: {}, networks: {} } } },
  dependent: { apps: [], devices: [] },
};

test('reads are answered from the backend in the supervisor shapes', async () => {
  const { backend } = fakeBackend();
  const h = supervisorHandler(backend);
  assert.deepEqual(JSON.parse((await call(h, 'GET', '/v2/local/device-info')).body), {
    status: 'success',
    info: { arch: 'aarch64', deviceType: 'raspberrypi4-64' },
  });
  assert.deepEqual(JSON.parse((await call(h, 'GET', '/v2/device/name')).body), { status: 'success', deviceName: 'pi' });
  assert.deepEqual(JSON.parse((await call(h, 'GET', '/v2/containerId?serviceName=main')).body), { status: 'success', containerId: 'c1' });
  const missing = await call(h, 'GET', '/v2/containerId?serviceName=toString');
  assert.equal(missing.status, 503, 'a name that is only an Object.prototype key is not a service');
  assert.equal((await call(h, 'GET', '/v2/state/status')).status, 200);
  assert.deepEqual(JSON.parse((await call(h, 'GET', '/v2/edgepush/stats')).body), {
    status: 'success',
    receivedBytes: 5,
    linkBytesPerSecond: null,
    linkBitsPerSecond: null,
    uuid: 'u1',
  });
});

test("unknown paths and wrong methods are 404 with express's page, as the real supervisor answers (docs/real-supervisor.md)", async () => {
  const h = supervisorHandler(fakeBackend().backend);
  const unknown = await call(h, 'GET', '/v2/nothing');
  assert.equal(unknown.status, 404);
  assert.match(unknown.body, /<pre>Cannot GET \/v2\/nothing<\/pre>/);
  const method = await call(h, 'DELETE', '/v2/state/status');
  assert.equal(method.status, 404);
  assert.match(method.body, /Cannot DELETE \/v2\/state\/status/);
});

test('a stock device has no EdgePush routes', async () => {
  const h = supervisorHandler(fakeBackend().backend, { stock: true });
  assert.equal((await call(h, 'GET', '/v2/edgepush/stats')).status, 404);
  assert.equal((await call(h, 'GET', '/v2/edgepush/events')).status, 404);
  assert.equal((await call(h, 'GET', '/v2/state/status')).status, 200);
});

test('a target state is validated before the backend sees it', async () => {
  const { backend, calls } = fakeBackend();
  const h = supervisorHandler(backend);
  const bad = await call(h, 'POST', '/v2/local/target-state', { local: { apps: 'nope' } });
  assert.equal(bad.status, 400);
  assert.match(bad.body, /Invalid target state/);
  assert.equal((await call(h, 'POST', '/v2/local/target-state', '{"local": ')).status, 400, 'malformed JSON');
  assert.equal(calls.length, 0);
  const ok = await call(h, 'POST', '/v2/local/target-state', target);
  assert.equal(ok.status, 200, ok.body);
  assert.deepEqual(calls, [{ action: 'setTarget' }]);
});

test('service actions: body checked, then errors of the backend mapped to the supervisor status codes', async () => {
  const { backend, calls } = fakeBackend();
  const h = supervisorHandler(backend);
  assert.equal((await call(h, 'POST', '/v2/applications/x/restart-service', { serviceName: 'main' })).status, 400, 'app id');
  assert.equal((await call(h, 'POST', '/v2/applications/1/restart-service', {})).status, 400, 'no service');
  assert.equal((await call(h, 'POST', '/v2/applications/1/restart-service', { serviceName: 7 })).status, 400, 'wrong type');
  assert.equal((await call(h, 'POST', '/v2/applications/9/restart-service', { serviceName: 'main' })).status, 404);
  assert.equal((await call(h, 'POST', '/v2/applications/1/stop-service', { serviceName: 'held' })).status, 423);
  const ok = await call(h, 'POST', '/v2/applications/1/stop-service', { serviceName: 'held', force: true });
  assert.deepEqual([ok.status, ok.body], [200, 'OK']);
  assert.equal((await call(h, 'POST', '/v1/restart', { appId: 1 })).status, 200, 'v1: the app id in the body');
  assert.deepEqual(calls, [
    { action: 'stop', appId: 1, select: { serviceName: 'held', imageId: undefined }, force: true },
    { action: 'restart', appId: 1, select: 'all', force: false },
  ]);
});

test('purge and reboot take their force flag; purge needs an app id', async () => {
  const { backend, calls } = fakeBackend();
  const h = supervisorHandler(backend);
  assert.equal((await call(h, 'POST', '/v1/purge', {})).status, 400);
  assert.equal((await call(h, 'POST', '/v2/applications/1/purge', { force: true })).status, 200);
  assert.equal((await call(h, 'POST', '/v1/reboot', { force: true })).status, 202);
  assert.deepEqual(calls, [
    { action: 'purge', appId: 1, force: true },
    { action: 'reboot', force: true },
  ]);
});

test('with an API key every route but /ping needs it; a stock device has no EdgePush routes', async () => {
  const keyed = supervisorHandler(fakeBackend().backend, { apiKey: 'k1' });
  assert.equal((await call(keyed, 'GET', '/ping')).status, 200);
  assert.equal((await call(keyed, 'GET', '/v2/device/name')).status, 401);
  assert.equal((await call(keyed, 'GET', '/v2/device/name?apikey=k1')).status, 200);
  const stock = supervisorHandler(fakeBackend().backend, { stock: true });
  assert.equal((await call(stock, 'GET', '/v2/edgepush/stats')).status, 404);
  assert.equal((await call(stock, 'GET', '/v2/state/status')).status, 200);
});
