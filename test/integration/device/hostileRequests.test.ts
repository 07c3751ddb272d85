// Hostile requests against a real `edgepush device` over HTTP: nothing a client sends may take the agent down
// or answer 500. Malformed percent-escapes and request lines on both ports, deeply nested JSON, and the engine
// port of a device started with --api-key.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTestDevice, api, type TestDevice } from './helpers.js';
import { pingDevice } from '../../../simulator/device/spawnDevice.js';
import { testAddress } from '../../testNet.js';

let dev: TestDevice;
let keyed: TestDevice;
const KEY = 'it-secret-key';

before(async () => {
  [dev, keyed] = await Promise.all([startTestDevice(testAddress(50, 1)), startTestDevice(testAddress(50, 2), { apiKey: KEY })]);
});
after(async () => {
  await Promise.all([dev?.cleanup(), keyed?.cleanup()]);
});

/** Sends raw bytes and returns the status line of the answer (or '' when the connection just closed). */
function raw(address: string, port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const s = net.connect(port, address, () => s.write(text));
    s.setEncoding('latin1');
    s.on('data', (c: string) => {
      got += c;
      if (got.includes('\r\n')) s.destroy(); // the status line is all we need
    });
    s.on('close', () => resolve(got.split('\r\n')[0] ?? ''));
    s.on('error', () => resolve(got.split('\r\n')[0] ?? ''));
    s.setTimeout(5000, () => s.destroy());
  });
}

const engineGet = async (address: string, path: string, headers: Record<string, string> = {}) => {
  const r = await fetch(`http://${address}:2375${path}`, { headers });
  return { status: r.status, text: await r.text() };
};

test('malformed percent-escapes answer 400 on both ports and the device lives on', async () => {
  const delta = await api(dev.address, 'GET', '/v2/edgepush/deltas/%ZZ');
  assert.equal(delta.status, 400, delta.text);
  assert.match(delta.text, /percent-escape/);
  const image = await engineGet(dev.address, '/images/%ZZ/json');
  assert.equal(image.status, 400, image.text);
  assert.match(image.text, /percent-escape/);
  const action = await api(dev.address, 'POST', '/v2/applications/%E0%A4%A/restart-service', { serviceName: 'x' });
  assert.equal(action.status, 400, action.text);
  assert.ok(await pingDevice(dev.address), 'the device still answers');
});

test('a request line no URL parser accepts answers 400 on both ports', async () => {
  for (const port of [48484, 2375]) {
    assert.equal(await raw(dev.address, port, 'GET http://[::1/ HTTP/1.1\r\nHost: x\r\n\r\n'), 'HTTP/1.1 400 Bad Request', `port ${port}`);
  }
  // a hijacked request (attach, exec) with a malformed name
  assert.equal(
    await raw(dev.address, 2375, 'GET /v1.41/images/%ZZ/json HTTP/1.1\r\nHost: x\r\nUpgrade: tcp\r\nConnection: Upgrade\r\n\r\n'),
    'HTTP/1.1 400 Bad Request',
  );
  assert.ok(await pingDevice(dev.address), 'the device still answers');
  assert.equal((await engineGet(dev.address, '/_ping')).status, 200, 'the engine port still answers');
});

test('deeply nested JSON is refused with 400, not a stack overflow', async () => {
  const deep = `{"local":{"name":"x","config":{},"apps":{"1":{"services":{"1":{"serviceName":"m","image":"i","labels":{"a":${'['.repeat(200_000)}${']'.repeat(200_000)}}}}}}}}`;
  const r = await api(dev.address, 'POST', '/v2/local/target-state', undefined, deep);
  assert.equal(r.status, 400, r.text.slice(0, 200));
  assert.match(r.text, /nested deeper/);
  const create = await fetch(`http://${dev.address}:2375/containers/create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: `{"Image":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
  });
  assert.ok(create.status >= 400 && create.status < 500, `engine port: ${create.status}`);
  // the target state is unchanged
  const ts = (await api(dev.address, 'GET', '/v2/local/target-state')).json as { state: { local: { apps: object } } };
  assert.deepEqual(ts.state.local.apps, {});
});

test('with --api-key the engine port needs the key too', async () => {
  const open = await engineGet(keyed.address, '/v1.41/containers/json');
  assert.equal(open.status, 401, open.text);
  assert.equal((await engineGet(keyed.address, '/_ping')).status, 401);
  assert.equal((await engineGet(keyed.address, '/_ping', { authorization: `Bearer ${KEY}` })).status, 200);
  assert.equal((await engineGet(keyed.address, '/_ping', { authorization: 'Bearer wrong' })).status, 401);
  assert.match(
    await raw(keyed.address, 2375, 'POST /v1.41/containers/x/attach HTTP/1.1\r\nHost: x\r\nUpgrade: tcp\r\nConnection: Upgrade\r\n\r\n'),
    / 401 /,
  );
  // and the supervisor port, as before
  assert.equal((await api(keyed.address, 'GET', '/v2/version')).status, 401);
  const r = await fetch(`http://${keyed.address}:48484/v2/version`, { headers: { authorization: `Bearer ${KEY}` } });
  assert.equal(r.status, 200);
});
