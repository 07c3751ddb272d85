// The monitor against a stand-in supervisor on a loopback address: a device that answers shows online with its
// services; one that stops answering turns offline within the call timeout instead of hanging.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, test } from 'node:test';
import { DeviceMonitor } from '../../../extension/devices/deviceMonitor.js';
import { DeviceStore } from '../../../extension/devices/deviceStore.js';
import type { DeviceRecord } from '../../../extension/devices/deviceRecord.js';
import { testAddress } from '../../testNet.js';

const ADDRESS = testAddress(30, 200);
const SILENT = testAddress(30, 201);
let hang = false;
const servers: Server[] = [];

function fakeSupervisor(): Promise<Server> {
  const server = createServer((req, res) => {
    if (hang) return; // never answers
    const json = (body: unknown) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(body));
    };
    if (req.url === '/ping') res.end('OK');
    else if (req.url === '/v2/version') json({ status: 'success', version: '14.11.4' });
    else if (req.url === '/v2/local/device-info') json({ status: 'success', info: { arch: 'amd64', deviceType: 'genericx86-64-ext' } });
    else if (req.url === '/v2/state/status')
      json({ status: 'success', appState: 'applied', release: 'r1', containers: [{ status: 'Running', serviceName: 'main' }], images: [] });
    else {
      res.statusCode = 404;
      res.end();
    }
  });
  servers.push(server);
  return new Promise((resolve) => server.listen(48484, ADDRESS, () => resolve(server)));
}

after(() => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
});

async function until(store: DeviceStore, pred: (d: DeviceRecord) => boolean, ms: number): Promise<DeviceRecord> {
  const deadline = Date.now() + ms;
  for (;;) {
    const d = store.get(ADDRESS);
    if (d && pred(d)) return d;
    if (Date.now() > deadline) throw new Error(`timed out; last: ${JSON.stringify(d)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a device that answers shows online with its services; when it stops answering it turns offline', { timeout: 30_000 }, async () => {
  await fakeSupervisor();
  const store = new DeviceStore();
  const monitor = new DeviceMonitor(store);
  try {
    store.add(ADDRESS, 'manual');
    const online = await until(store, (d) => d.online === true && d.services.length === 1, 10_000);
    assert.equal(online.supervisorVersion, '14.11.4');
    assert.equal(online.deviceType, 'genericx86-64-ext');
    assert.equal(online.release, 'r1');
    assert.deepEqual(online.services, [{ name: 'main', status: 'Running' }]);

    hang = true;
    monitor.refresh(ADDRESS);
    const offline = await until(store, (d) => d.online === false, 15_000);
    assert.match(offline.error ?? '', /no answer in time|timed? ?out/i);
    assert.deepEqual(offline.services, [{ name: 'main', status: 'Running' }], 'the last known services stay listed');
  } finally {
    monitor.dispose();
    hang = false;
  }
});

test('a device at an address where nothing listens turns offline', { timeout: 15_000 }, async () => {
  const store = new DeviceStore();
  const monitor = new DeviceMonitor(store);
  try {
    store.add(SILENT, 'manual');
    const deadline = Date.now() + 10_000;
    while (store.get(SILENT)?.online !== false && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(store.get(SILENT)?.online, false);
  } finally {
    monitor.dispose();
  }
});
