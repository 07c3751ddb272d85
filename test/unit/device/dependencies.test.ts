// depends_on and network_mode: service:x on the device: create order follows the dependencies, the dependent
// container refers to its dependency's container by id, and is replaced when that container is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveDependencies } from '../../../simulator/device/dependencies.js';
import { containerSpec, dependenciesOf, type DeviceEnv } from '../../../simulator/device/containerSpec.js';
import { plan, type CurrentContainer } from '../../../simulator/device/planner.js';
import { normalizeApps, type LocalState } from '../../../simulator/device/targetState.js';
import { makeScope } from '../../../simulator/device/scope.js';

function apps(services: Record<string, Record<string, unknown>>) {
  const state: LocalState = {
    local: {
      name: 'd',
      config: {},
      apps: {
        '1': {
          name: 'app',
          commit: 'c1',
          releaseId: 1,
          services: Object.fromEntries(
            Object.entries(services).map(([n, s], i) => [String(i + 1), { serviceName: n, image: `local_${n}`, ...s }]),
          ),
          volumes: {},
          networks: {},
        },
      },
    },
  };
  return normalizeApps(state);
}
const scope = makeScope('dev1');
const env: DeviceEnv = {
  uuid: 'u',
  name: 'n',
  deviceType: 't',
  arch: 'amd64',
  supervisorAddress: 'http://127.0.0.1:48484',
  allowPrivileged: false,
  lockDir: () => '/tmp/x',
};
const hashOf = (s: Parameters<typeof containerSpec>[0], id: string, peers: Record<string, string>) =>
  containerSpec(s, id, scope, env, peers).hash;
const running = (serviceName: string, id: string, hash: string): CurrentContainer => ({
  id,
  name: id,
  appId: 1,
  serviceName,
  serviceId: 1,
  imageId: 1,
  commit: 'c1',
  hash,
  dockerImageId: 'sha256:i',
  state: 'running',
  startable: false,
  createdAt: '',
});

test('network_mode: service:x counts as a dependency, as depends_on does', () => {
  const [app] = apps({ web: {}, side: { network_mode: 'service: web', depends_on: ['db'] }, db: {} });
  assert.deepEqual(dependenciesOf(app!.services.find((s) => s.serviceName === 'side')!), ['db', 'web']);
});

test('the dependent waits for its dependency: only the dependency is started first', () => {
  const [app] = apps({ side: { network_mode: 'service:web' }, web: {} });
  const services = resolveDependencies(
    app!.services.map((t) => ({ target: t, dockerImageId: 'sha256:i' })),
    [],
    hashOf,
  );
  assert.equal(services.find((s) => s.target.serviceName === 'side')!.waitingFor, 'web');
  const steps = plan({
    apps: [app!],
    services,
    containers: [],
    networks: ['ep-dev1_1_default'],
    volumes: [],
    locked: new Set(),
    networkName: (a, n) => scope.networkName(a, n),
    volumeName: (a, n) => scope.volumeName(a, n),
  });
  assert.deepEqual(
    steps.map((s) => s.action === 'start' && s.service.serviceName),
    ['web'],
  );
});

test('then it joins the network of the container of that service, by id; a new web container replaces it', () => {
  const [app] = apps({ side: { network_mode: 'service:web', hostname: 'ignored' }, web: {} });
  const images = app!.services.map((t) => ({ target: t, dockerImageId: 'sha256:i' }));
  const webHash = resolveDependencies(images, [], hashOf).find((s) => s.target.serviceName === 'web')!.hash!;
  const first = resolveDependencies(images, [running('web', 'web-1', webHash)], hashOf).find((s) => s.target.serviceName === 'side')!;
  assert.deepEqual(first.peers, { web: 'web-1' });
  const body = containerSpec(first.target, 'sha256:i', scope, env, first.peers!).body;
  assert.equal((body.HostConfig as { NetworkMode: string }).NetworkMode, 'container:web-1');
  assert.equal(body.Hostname, undefined, "Docker refuses a hostname in another container's namespace");
  assert.equal(body.NetworkingConfig, undefined);
  const second = resolveDependencies(images, [running('web', 'web-2', webHash)], hashOf).find((s) => s.target.serviceName === 'side')!;
  assert.notEqual(second.hash, first.hash, "a replaced web container changes the dependent's config");
});
