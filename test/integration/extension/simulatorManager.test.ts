// The editor's simulated devices (extension/simulators/simulatorManager.ts) are real `dist/cli.js device` agents
// started by the same code as the CLI's (simulator/device/spawnDevice.ts): the agent's memory flags and
// environment, the link rate. Stopping one while it starts cancels the start; one that dies is reported.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import Docker from 'dockerode';
import { SimulatorManager } from '../../../extension/simulators/simulatorManager.js';
import { AGENT_ENV, AGENT_NODE_FLAGS, pingDevice } from '../../../simulator/device/spawnDevice.js';
import { deviceIdFrom, purgeDevice } from '../../../simulator/device/scope.js';
import { EdgePushError } from '../../../simulator/shared/errors.js';
import { runTag, testAddress } from '../../testNet.js';

const CLI = resolve('dist/cli.js');
const storage = mkdtempSync(join(tmpdir(), 'ep-simulators-'));
const exits: { address: string; code: number }[] = [];
const manager = new SimulatorManager(CLI, storage, (address, code) => exits.push({ address, code }));
const names: string[] = [];
const nameFor = (host: number) => {
  const name = `simmgr-${runTag()}-${host}`;
  names.push(name);
  return name;
};

after(async () => {
  await manager.stopAll();
  const docker = new Docker();
  for (const name of names) await purgeDevice(docker, deviceIdFrom(name)).catch(() => undefined);
  rmSync(storage, { recursive: true, force: true });
});

test('a device started from the editor runs with the agent flags, environment and link rate of the CLI', { timeout: 90_000 }, async () => {
  const address = testAddress(30, 210);
  const handle = await manager.start({ address, name: nameFor(210), linkRate: '2mbit' });
  assert.ok(await pingDevice(address), 'the device answers /ping');
  assert.deepEqual(
    manager.list().map((h) => h.address),
    [address],
  );
  const argv = readFileSync(`/proc/${handle.pid}/cmdline`, 'utf8').split('\0');
  for (const flag of AGENT_NODE_FLAGS) assert.ok(argv.includes(flag), `node runs with ${flag}: ${argv.join(' ')}`);
  assert.deepEqual(argv.slice(argv.indexOf('--link'), argv.indexOf('--link') + 2), ['--link', '2mbit']);
  const environ = readFileSync(`/proc/${handle.pid}/environ`, 'utf8').split('\0');
  for (const [k, v] of Object.entries(AGENT_ENV)) assert.ok(environ.includes(`${k}=${v}`), `the agent has ${k}=${v}`);
  assert.ok(environ.includes('ELECTRON_RUN_AS_NODE=1'), 'Electron runs as Node in desktop VS Code');

  assert.equal(await manager.stop(address), true);
  assert.equal(await pingDevice(address, 500), false, 'the stopped device no longer answers');
  assert.equal(manager.has(address), false);
  assert.deepEqual(exits, [], 'a device stopped on request is not reported as stopped by itself');
});

test('stopping a device while it starts cancels the start', { timeout: 60_000 }, async () => {
  const address = testAddress(30, 211);
  const starting = manager.start({ address, name: nameFor(211) });
  assert.equal(manager.has(address), true, 'a starting device holds its address');
  assert.ok(manager.addresses().includes(address));
  await manager.stop(address);
  await assert.rejects(starting, (err) => EdgePushError.is(err, 'cancelled'));
  assert.equal(manager.has(address), false);
  assert.equal(await pingDevice(address, 500), false);
});

test('a device that dies is reported with its exit code', { timeout: 90_000 }, async () => {
  const address = testAddress(30, 212);
  const handle = await manager.start({ address, name: nameFor(212) });
  process.kill(handle.pid, 'SIGKILL');
  assert.equal(await handle.exited, 137);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(exits, [{ address, code: 137 }]);
  assert.equal(manager.has(address), false);
});
