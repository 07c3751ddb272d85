// One simulated local-mode device: the supervisor API on ADDRESS:48484, the engine endpoint on ADDRESS:2375,
// the reconciler, logs, update events and (optionally) the mDNS announcement. `startDevice` wires them;
// `stop()` powers the device off (its containers are stopped, to be started again on the next start).
import http from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { makeScope, deviceIdFrom } from './scope.js';
import { parseEngineUrl, dockerFor } from './engineUrl.js';
import { Link, parseRate } from './link.js';
import { LogHub } from './logHub.js';
import { UpdateEventBus } from './updateEventBus.js';
import { StateStore } from './stateStore.js';
import { ContainerLogs } from './containerLogs.js';
import { Reconciler } from './reconciler.js';
import { DeviceState, type DeviceStateReader } from './deviceState.js';
import { readContainers } from './currentState.js';
import { supervisorHandler } from './supervisorApi.js';
import { deviceBackend } from './deviceBackend.js';
import { engineProxyHandler, engineProxyUpgrade } from './engineProxy.js';
import { watchEngineEvents } from './engineEvents.js';
import { checkBindAllowed } from './bindPolicy.js';
import { isLoopback } from '../shared/loopback.js';
import { announceDevice } from './announce.js';
import { deltaRoutes } from './deltaReceive.js';
import { RegistryPuller } from './registryPull.js';
import { pullRoutes, registryPullHook } from './registryPullRoutes.js';
import { faultRoutes } from './faultRoutes.js';
import { resolveDeviceType } from '../shared/deviceTypes.js';
import { checkEmulation } from './emulation.js';
import { archDockerfile } from './archBaseImages.js';

export interface DeviceOptions {
  address: string;
  name?: string;
  deviceType?: string;
  arch?: string;
  dataDir?: string;
  engine?: string;
  link?: string;
  announce?: string;
  apiKey?: string;
  localModeOpen?: boolean;
  /** Honour `privileged: true` in the target state (default: ignored, with a log line). */
  allowPrivileged?: boolean;
  /** Offer only what a stock balenaOS development device offers: no EdgePush endpoints (`/v2/edgepush/*`: update
   *  events, stats, deltas, registry pulls, faults) and no `?since=` replay on the log stream. */
  stock?: boolean;
  /** Pretend the disk has only this many bytes free: containers are told (EDGEPUSH_SIMULATED_DISK_FREE), so
   *  EdgePush's free-space check before a push can be tried (`--disk-free 50MB`). */
  diskFreeBytes?: number;
  /** How long applying a received delta may take (default 60 s + 1 s per MB of the rebuilt archive;
   *  $EDGEPUSH_DELTA_APPLY_BUDGET_MS sets it for `edgepush device`). */
  deltaApplyBudgetMs?: number;
  /** Memory a delta's apply stays within: a basis image larger than half of it is read from the engine on
   *  demand (default 256 MiB; $EDGEPUSH_DELTA_MEMORY_BUDGET sets it for `edgepush device`). */
  deltaMemoryBudget?: number;
  /** Ports (tests may use 0 for ephemeral). */
  supervisorPort?: number;
  enginePort?: number;
}

export interface RunningDevice {
  id: string;
  name: string;
  uuid: string;
  address: string;
  supervisorPort: number;
  enginePort: number;
  dataDir: string;
  reconciler: Reconciler;
  /** The device's read model (what /v2/state/status and the other reads answer from). */
  state: DeviceStateReader;
  hub: LogHub;
  events: UpdateEventBus;
  stop(): Promise<void>;
}

export function defaultDataDir(name: string): string {
  const base = process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state');
  return join(base, 'edgepush', 'devices', deviceIdFrom(name));
}

function listen(server: http.Server, port: number, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startDevice(opts: DeviceOptions): Promise<RunningDevice> {
  const { arch, deviceType } = resolveDeviceType(opts.deviceType, opts.arch);
  checkBindAllowed(opts.address, { apiKey: opts.apiKey, localModeOpen: opts.localModeOpen });
  const name = opts.name ?? `sim-${opts.address.replace(/[^0-9a-z]+/gi, '-')}`;
  const id = deviceIdFrom(name);
  const dataDir = opts.dataDir ?? defaultDataDir(name);
  const store = new StateStore(dataDir);
  const identity = store.identity(name);
  const scope = makeScope(id);
  const engine = parseEngineUrl(opts.engine);
  if ('socketPath' in engine) checkEmulation(arch, deviceType);
  const docker = dockerFor(engine);
  const link = new Link(opts.link ? parseRate(opts.link) : undefined);
  const hub = new LogHub();
  const events = new UpdateEventBus();
  const logs = new ContainerLogs(docker, hub);
  const supervisorPort = opts.supervisorPort ?? 48484;
  const hostForUrl = opts.address.includes(':') ? `[${opts.address}]` : opts.address;
  const policy = { allowPrivileged: opts.allowPrivileged ?? false, allowedHostRoots: [dataDir], allowHostNetwork: opts.stock ?? false };
  const env = {
    uuid: identity.uuid,
    name,
    deviceType,
    arch,
    supervisorAddress: `http://${hostForUrl}:${supervisorPort}`,
    apiKey: opts.apiKey,
    allowPrivileged: opts.allowPrivileged ?? false,
    policy,
    lockDir: (appId: number, service: string) => store.lockDir(appId, service),
  };
  const receivedBytes = () => link.receivedBytes;
  const budget = opts.deltaApplyBudgetMs ?? (Number(process.env.EDGEPUSH_DELTA_APPLY_BUDGET_MS) || undefined);
  const applyBudgets = {
    applyBudgetMs: budget ? () => budget : undefined,
    applyMemoryBudget: opts.deltaMemoryBudget ?? (Number(process.env.EDGEPUSH_DELTA_MEMORY_BUDGET) || undefined),
  };
  const puller = new RegistryPuller({ docker, scope, link, dataDir, arch, log: (line) => hub.system(line), ...applyBudgets });
  const pull = async (image: string, onProgress: (bytes: number, total: number | null) => void) => {
    await puller.pull(image, (_phase, bytes, total) => onProgress(bytes, total));
  };
  const state = new DeviceState({
    initialTarget: store.target(name),
    startable: store.poweredOff(),
    saveStartable: (ids) => store.savePoweredOff(ids),
    readContainers: (startable) => readContainers(docker, scope, startable),
    events,
  });
  const reconciler = new Reconciler({ docker, scope, env, hub, state, store, logs, receivedBytes, pull }, state.target());

  const deltas = deltaRoutes({
    docker,
    scope,
    link,
    dataDir: join(dataDir, 'deltas'),
    events,
    hub,
    onImage: () => reconciler.trigger(),
    ...applyBudgets,
  });
  const api = http.createServer(
    supervisorHandler(
      deviceBackend({
        docker,
        scope,
        reconciler,
        state,
        hub,
        lockDir: env.lockDir,
        info: { arch, deviceType, uuid: identity.uuid },
        stats: () => ({
          receivedBytes: link.receivedBytes,
          linkBytesPerSecond: link.bytesPerSecond ?? null,
          linkBitsPerSecond: link.bytesPerSecond ? link.bytesPerSecond * 8 : null,
        }),
      }),
      {
        apiKey: opts.apiKey,
        stock: opts.stock ?? false,
        extraRoutes: opts.stock ? [] : [...deltas, ...pullRoutes(puller), ...faultRoutes(link, (line) => hub.system(line))],
      },
    ),
  );
  const proxyDeps = {
    engine,
    scope,
    link,
    policy,
    apiKey: opts.apiKey,
    onBuildBytes: (bid: string, bytes: number, done: boolean) =>
      events.emit({ type: 'transfer', kind: 'build', id: bid, bytes, total: null, done }),
    onImagesChanged: () => reconciler.trigger(),
    log: (line: string) => hub.system(line),
    intercept: registryPullHook(puller, () => reconciler.trigger()),
    // Not amd64: plain edgepush-base names become the device's arch's, made on the way (balena CLI builds too).
    editBuildDockerfile:
      arch === 'amd64' ? undefined : () => (text: string) => archDockerfile(text, arch, docker, (line) => hub.system(line)),
    diskFreeBytes: opts.diskFreeBytes,
  };
  // Docker clients put every cache image id in the build URL (`cachefrom`): allow Go's 1 MiB header limit.
  const proxy = http.createServer({ maxHeaderSize: 1 << 20 }, engineProxyHandler(proxyDeps));
  proxy.on('upgrade', engineProxyUpgrade(proxyDeps));
  api.keepAliveTimeout = 5000;
  proxy.requestTimeout = 0;
  api.requestTimeout = 0;

  const apiPort = await listen(api, supervisorPort, opts.address);
  // Outside local mode (an API key on a non-loopback address) there is no open engine port, as on a
  // production device.
  let enginePort = 0;
  if (isLoopback(opts.address) || opts.localModeOpen) {
    try {
      enginePort = await listen(proxy, opts.enginePort ?? 2375, opts.address);
    } catch (err) {
      api.close();
      throw err;
    }
  }
  hub.system(`Supervisor starting (simulated device '${name}', local mode${opts.stock ? ', stock: no EdgePush endpoints' : ''})`);
  const watcher = watchEngineEvents({
    docker,
    scope,
    hub,
    events,
    follow: (cid) => void logs.follow(cid),
    forget: (cid) => logs.forget(cid),
    changed: () => reconciler.trigger(),
  });
  const announcement = opts.announce ? announceDevice(name, opts.announce) : undefined;
  reconciler.trigger();

  return {
    id,
    name,
    uuid: identity.uuid,
    address: opts.address,
    supervisorPort: apiPort,
    enginePort,
    dataDir,
    reconciler,
    state,
    hub,
    events,
    async stop() {
      reconciler.stop();
      watcher.stop();
      await announcement?.stop();
      // Power off: stop this device's running containers, remembered so the next start brings them back.
      try {
        const running = (await state.containers()).filter((c) => c.state === 'running' || c.state === 'restarting');
        for (const c of running) state.markStartable(c.id, true);
        await Promise.all(
          running.map((c) =>
            docker
              .getContainer(c.id)
              .stop({ t: 5 })
              .catch(() => undefined),
          ),
        );
      } catch {
        // engine gone: nothing to stop
      }
      logs.close();
      hub.close();
      const closed = Promise.all([new Promise((r) => api.close(r)), new Promise((r) => proxy.close(r))]);
      api.closeAllConnections();
      proxy.closeAllConnections();
      await closed;
    },
  };
}
