// Environment variables per device: saved, replaced, removed, and turned into `--env` arguments for the push.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeviceEnv, parseAssignment, toEnvArgs } from '../../../extension/devices/deviceEnv.js';
import { launcherScript } from '../../../extension/terminal/cliOnPath.js';
import { publishedUrls } from '../../../simulator/push/servicePorts.js';

function memento() {
  const m = new Map<string, unknown>();
  return { get: <T>(k: string, d: T) => (m.has(k) ? (m.get(k) as T) : d), update: async (k: string, v: unknown) => void m.set(k, v) };
}

test('variables per device and service become --env arguments', async () => {
  const env = new DeviceEnv(memento());
  await env.set('10.0.0.2', { name: 'MODE', value: 'dev' });
  await env.set('10.0.0.2', { service: 'api', name: 'PORT', value: '8080' });
  await env.set('10.0.0.2', { name: 'MODE', value: 'prod=1' });
  await env.set('10.0.0.3', { name: 'OTHER', value: 'x' });
  assert.deepEqual(toEnvArgs(env.of('10.0.0.2')), ['MODE=prod=1', 'api:PORT=8080']);
  await env.remove('10.0.0.2', { name: 'MODE' });
  assert.deepEqual(toEnvArgs(env.of('10.0.0.2')), ['api:PORT=8080']);
  assert.deepEqual(toEnvArgs(env.of('10.0.0.3')), ['OTHER=x']);
});

test('NAME=value is parsed; bad names are refused', () => {
  assert.deepEqual(parseAssignment('A_1=x=y', 'main'), { service: 'main', name: 'A_1', value: 'x=y' });
  assert.equal(parseAssignment('1A=x'), undefined);
  assert.equal(parseAssignment('=x'), undefined);
  assert.equal(parseAssignment('NOEQUALS'), undefined);
});

test("the terminal's edgepush launcher quotes its paths", () => {
  const s = launcherScript("/opt/it's/node", '/ext/dist/cli.js');
  assert.match(s, /^#!\/bin\/sh\n/);
  assert.match(s, /exec '\/opt\/it'\\''s\/node' '\/ext\/dist\/cli.js' "\$@"/);
});

test('published ports become URLs on the device address (0.0.0.0) or the bound address', () => {
  const urls = publishedUrls('10.0.0.2', {
    '80/tcp': [
      { HostIp: '0.0.0.0', HostPort: '8080' },
      { HostIp: '::', HostPort: '8080' },
    ],
    '53/udp': [{ HostIp: '0.0.0.0', HostPort: '53' }],
    '443/tcp': [{ HostIp: '127.0.0.5', HostPort: '443' }],
    '9000/tcp': null,
  });
  assert.deepEqual(
    urls.map((u) => u.url),
    ['http://10.0.0.2:8080/', 'https://127.0.0.5/'],
  );
});
