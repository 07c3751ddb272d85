// What the supervisor API asks of a device, as moby's routers ask a backend: the HTTP handlers
// (supervisorApi.ts) only parse, validate and call this interface; `deviceBackend()` implements it over the
// device's read model (deviceState.ts: reads), the reconciler (commands: a new target, planned action steps), the
// log hub and the engine. A test can put a fake behind the same routes.
import type { ServerResponse } from 'node:http';
import type Docker from 'dockerode';
import type { Reconciler } from './reconciler.js';
import type { LogHub } from './logHub.js';
import type { DeviceStateReader, DeviceStateWriter } from './deviceState.js';
import type { DeviceScope } from './scope.js';
import type { LocalState } from './targetState.js';
import type { UpdateEvent } from '../shared/updateEvents.js';
import { statusBody, type StatusBody } from './deviceStatus.js';
import { runServiceAction, type ServiceAction, type ServiceSelector } from './serviceActions.js';
import { purgeApp } from './appPurge.js';
import { updatesLocked } from './updateLocks.js';
import { EdgePushError } from '../shared/errors.js';

export type { ServiceAction, ServiceSelector };

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
  scope: DeviceScope;
  /** Commands only: the backend reads nothing from the reconciler. */
  reconciler: Pick<Reconciler, 'setTarget' | 'runSteps' | 'hold'>;
  /** The read model; a purge also drops the containers it removes from the record of those the device stopped. */
  state: DeviceStateReader & Pick<DeviceStateWriter, 'markStartable'>;
  hub: LogHub;
  lockDir(appId: number, service: string): string;
  info: DeviceInfo;
  stats(): DeviceStats;
}

export function deviceBackend(deps: DeviceBackendDeps): DeviceBackend {
  const { reconciler, state, hub } = deps;
  const locked = (appId: number, service: string) => updatesLocked(deps.lockDir, appId, service);
  const backend: DeviceBackend = {
    info: deps.info,
    deviceName: () => state.target().local.name ?? '',
    targetState: () => state.target(),
    setTarget(target) {
      hub.system('Applying target state');
      reconciler.setTarget(target);
    },
    async status() {
      return statusBody(state, await state.containers());
    },
    async containerIds() {
      const containers = (await state.containers()).filter((c) => c.state !== 'removing');
      return Object.fromEntries(containers.map((c) => [c.serviceName, c.id]));
    },
    serviceAction: (action, appId, select, force) => runServiceAction({ reconciler, state, locked }, action, appId, select, force),
    purge: (appId, force) => purgeApp({ docker: deps.docker, scope: deps.scope, reconciler, state, hub, locked }, appId, force),
    async reboot(force) {
      hub.system('Rebooting (simulated device: restarting its services)');
      for (const app of state.apps()) {
        await backend.serviceAction('restart', app.appId, 'all', force).catch((err: unknown) => {
          if (!EdgePushError.is(err, 'not-found')) throw err;
        });
      }
    },
    followLogs: (res, replayFromMs) => hub.follow(res, replayFromMs !== undefined ? hub.since(replayFromMs) : []),
    subscribeEvents: (fn) => ({ snapshot: state.latestEvents(), unsubscribe: state.subscribe(fn) }),
    stats: () => deps.stats(),
    systemLog: (line) => hub.system(line),
  };
  return backend;
}
