// The reconciler over a stand-in engine (no Docker): it converges and publishes what the device shows to the read
// model (apply state, resolved image ids, update events) and keeps nothing of it for readers itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { Reconciler } from '../../../simulator/device/reconciler.js';
import { DeviceState } from '../../../simulator/device/deviceState.js';
import { UpdateEventBus } from '../../../simulator/device/updateEventBus.js';
import { readContainers } from '../../../simulator/device/currentState.js';
import { makeScope } from '../../../simulator/device/scope.js';
import { LogHub } from '../../../simulator/device/logHub.js';
import type { ContainerLogs } from '../../../simulator/device/containerLogs.js';
import type { UpdateEvent } from '../../../simulator/shared/updateEvents.js';
import { oneApp } from './fixtures.js';

const notFound = () => Object.assign(new Error('no such thing'), { statusCode: 404 });

/** Just enough of dockerode for one service to be created and started. */
function fakeEngine(images: Record<string, string>) {
  const containers: { Id: string; Names: string[]; ImageID: string; State: string; Labels: Record<string, string> }[] = [];
  const networks: { Name: string }[] = [];
  const docker = {
    listContainers: async () => containers,
    listNetworks: async () => networks,
    listVolumes: async () => ({ Volumes: [] }),
    createNetwork: async (o: { Name: string }) => void networks.push({ Name: o.Name }),
    getImage: (name: string) => ({
      inspect: async () => {
        const id = images[name] ?? Object.values(images).find((v) => v === name);
        if (!id) throw notFound();
        return { Id: id };
      },
    }),
    getContainer: (id: string) => ({
      remove: async () => {
        throw notFound();
      },
      start: async () => {
        const c = containers.find((x) => x.Id === id);
        if (c) c.State = 'running';
      },
    }),
    createContainer: async (o: { name: string; Image: string; Labels: Record<string, string> }) => {
      const c = { Id: `c${containers.length + 1}`, Names: [`/${o.name}`], ImageID: o.Image, State: 'created', Labels: o.Labels };
      containers.push(c);
      return { id: c.Id, start: async () => void (c.State = 'running') };
    },
    pruneImages: async () => ({}),
  };
  return { docker: docker as unknown as Docker, containers };
}

function device(images: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'edgepush-reconciler-'));
  const { docker, containers } = fakeEngine(images);
  const scope = makeScope('t');
  const events = new UpdateEventBus();
  const seen: UpdateEvent[] = [];
  events.subscribe((e) => seen.push(e));
  const state = new DeviceState({
    initialTarget: oneApp('r1'),
    startable: new Set(),
    saveStartable: () => undefined,
    readContainers: (s) => readContainers(docker, scope, s),
    events,
  });
  const env = {
    uuid: 'u',
    name: 't',
    deviceType: 'genericx86-64-ext',
    arch: 'amd64',
    supervisorAddress: 'http://127.0.0.1:48484',
    allowPrivileged: false,
    lockDir: (appId: number, service: string) => join(dir, 'locks', String(appId), service),
  };
  const saved: unknown[] = [];
  const reconciler = new Reconciler(
    {
      docker,
      scope,
      env,
      hub: new LogHub(),
      state,
      store: { saveTarget: (s) => void saved.push(s), imagePins: () => undefined, saveImagePins: () => undefined },
      logs: { follow: async () => undefined } as unknown as ContainerLogs,
      receivedBytes: () => 0,
    },
    state.target(),
  );
  return { reconciler, state, containers, seen, saved, done: () => (reconciler.stop(), rmSync(dir, { recursive: true, force: true })) };
}

test('converging publishes the apply state, the resolved image id and the service events to the read model', async () => {
  const d = device({ 'edgepush-dev/t/local_main:latest': 'sha256:' + 'a'.repeat(64) });
  try {
    assert.equal(d.state.applyState(), 'applying');
    d.reconciler.trigger();
    await d.reconciler.whenSettled();
    assert.equal(d.state.applyState(), 'applied');
    assert.equal(d.state.imageId('local_main'), 'sha256:' + 'a'.repeat(64));
    assert.deepEqual(
      d.containers.map((c) => c.State),
      ['running'],
    );
    const phases = d.seen.flatMap((e) => (e.type === 'service' ? [e.phase] : e.type === 'device' ? [`device:${e.state}`] : []));
    assert.deepEqual(phases, ['installing', 'starting', 'running', 'device:applied']);
    assert.equal(d.state.serviceStatus(1, 'main'), undefined, 'no step under way');
  } finally {
    d.done();
  }
});

test('a new target is saved and published at once; a missing image is published as missing, with a failed event', async () => {
  const d = device({});
  try {
    d.reconciler.setTarget(oneApp('r2', { web: 'local_web' }));
    assert.equal(d.saved.length, 1);
    assert.equal(d.state.release(), 'r2');
    assert.equal(d.state.apps()[0]?.services[0]?.serviceName, 'web');
    // The missing image is reported once, then the reconciler waits and retries.
    await new Promise<void>((resolve) => {
      const off = d.state.subscribe((e) => {
        if (e.type === 'service' && e.phase === 'failed') {
          off();
          resolve();
        }
      });
    });
    assert.equal(d.state.imageId('local_web'), null);
    assert.equal(d.state.applyState(), 'applying');
  } finally {
    d.done();
  }
});
