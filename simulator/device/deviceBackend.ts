// What the supervisor API asks of a device, as moby's routers ask a backend: the HTTP handlers
// (supervisorApi.ts) only parse, validate and call this interface; `deviceBackend()` implements it over the
// reconciler, the log hub, the update events and the engine. A test can put a fake behind the same routes.
import type { ServerResponse } from 'node:http';
import type Docker from 'dockerode';
import type { Reconciler } from './reconciler.js';
import type { LogHub } from './logHub.js';
import type { UpdateEventBus } from './updateEventBus.js';
import type { ContainerLogs } from './containerLogs.js';
import type { LocalState } from './targetState.js';
import type { UpdateEvent } from '../shared/updateEvents.js';
import { downloadsInProgress, statusBody, type StatusBody } from './deviceStatus.js';
import { runServiceAction, type ServiceAction } from './serviceActions.js';
import { purgeApp } from './appPurge.js';
import { EdgePushError } from '../shared/errors.js';

export type { ServiceAction };

/** Which services of an app an action is for: one by name or image id, or all of them. */
export type ServiceSelector = { serviceName?: string; imageId?: number } | 'all';

export interface DeviceInfo {
  arch: string;
  deviceType: string;
  uuid: string;
}

export interface DeviceStats {
  receivedBytes: number;
  linkBytesPerSecond: number | null;
  linkBitsPerSecond: number | null;
}

export interface DeviceBackend {
  readonly info: DeviceInfo;
  deviceName(): string;
  targetState(): LocalState;
  /** Takes a validated target state; the device converges to it in the background. */
  setTarget(state: LocalState): void;
  status(): Promise<StatusBody>;
  /** Service name → container id of the services that have a container (not being removed). */
  containerIds(): Promise<Record<string, string>>;
  /** Throws not-found (no such app or service) or locked (updates.lock held, without force). */
  serviceAction(action: ServiceAction, appId: number, select: ServiceSelector, force: boolean): Promise<void>;
  /** Throws not-found or conflict (updates locked). */
  purge(appId: number, force: boolean): Promise<void>;
  /** A simulated device has no OS to reboot: its services restart, which is what its apps see of a reboot. */
  reboot(force: boolean): Promise<void>;
  /** Streams the device's log lines to `res` from now on, after replaying those since `replayFromMs`. */
  followLogs(res: ServerResponse, replayFromMs?: number): void;
  /** The latest update event of each service and of the device, then every new one until unsubscribed. */
  subscribeEvents(fn: (e: UpdateEvent) => void): { snapshot: UpdateEvent[]; unsubscribe: () => void };
  stats(): DeviceStats;
  /** Says something in the device's system log. */
  systemLog(line: string): void;
}

export interface DeviceBackendDeps {
  docker: Docker;
  reconciler: Reconciler;
  hub: LogHub;
  events: UpdateEventBus;
  logs: ContainerLogs;
  info: DeviceInfo;
  stats(): DeviceStats;
}

export function deviceBackend(deps: DeviceBackendDeps): DeviceBackend {
  const { reconciler, hub, events } = deps;
  const backend: DeviceBackend = {
    info: deps.info,
    deviceName: () => reconciler.state.local.name ?? '',
    targetState: () => reconciler.state,
    setTarget(state) {
      hub.system('Applying target state');
      reconciler.setTarget(state);
    },
    async status() {
      const containers = await reconciler.currentContainers();
      const ids = new Map<string, string | null>();
      for (const a of reconciler.targetApps) for (const s of a.services) ids.set(s.image, await reconciler.imageIdFor(s.image));
      return statusBody(
        reconciler,
        containers,
        ids,
        downloadsInProgress(events.snapshot(), (appId) => reconciler.release(appId)),
      );
    },
    async containerIds() {
      const containers = (await reconciler.currentContainers()).filter((c) => c.state !== 'removing');
      return Object.fromEntries(containers.map((c) => [c.serviceName, c.id]));
    },
    serviceAction: (action, appId, select, force) => runServiceAction(deps, action, appId, select, force),
    purge: (appId, force) => purgeApp(deps, appId, force),
    async reboot(force) {
      hub.system('Rebooting (simulated device: restarting its services)');
      for (const app of reconciler.targetApps) {
        await backend.serviceAction('restart', app.appId, 'all', force).catch((err: unknown) => {
          if (!EdgePushError.is(err, 'not-found')) throw err;
        });
      }
    },
    followLogs: (res, replayFromMs) => hub.follow(res, replayFromMs !== undefined ? hub.since(replayFromMs) : []),
    subscribeEvents: (fn) => ({ snapshot: events.snapshot(), unsubscribe: events.subscribe(fn) }),
    stats: () => deps.stats(),
    systemLog: (line) => hub.system(line),
  };
  return backend;
}
