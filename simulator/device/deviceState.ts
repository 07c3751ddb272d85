// The device's read model: the target it was asked to run, where convergence stands (applying / applied), what
// each service is doing right now (Installing, Stopping, ...), which image id each target image name resolved to,
// which containers the device stopped itself, and the update events. The reconciler writes it through
// `DeviceStateWriter` and keeps only convergence (plan, execute, retry); the supervisor API's backend reads it
// through `DeviceStateReader`. Containers are read from the engine on each call: they change under the device
// (exits, restarts, `docker rm` through :2375), so a copy would go stale.
import type { CurrentContainer } from './planner.js';
import { normalizeApps, type LocalState, type TargetApp } from './targetState.js';
import type { UpdateEvent, UpdateEventInput } from '../shared/updateEvents.js';

export type ApplyState = 'applying' | 'applied';

export interface DeviceStateReader {
  target(): LocalState;
  apps(): readonly TargetApp[];
  /** The release (commit) of an app of the target, or of its first app; null when there is none. */
  release(appId?: number): string | null;
  applyState(): ApplyState;
  /** What a service is doing while a step runs on it (Installing, Starting, Stopping, Downloading, Handing over). */
  serviceStatus(appId: number, serviceName: string): string | undefined;
  /** The image id the reconciler last resolved a target image name to: null while missing, undefined before. */
  imageId(name: string): string | null | undefined;
  /** This device's containers as the engine has them now. */
  containers(): Promise<CurrentContainer[]>;
  /** The latest update event of each service and of the device. */
  latestEvents(): UpdateEvent[];
  subscribe(fn: (e: UpdateEvent) => void): () => void;
}

/** What the reconciler (and the actions it runs) may change; it never reads its own writes back from here. */
export interface DeviceStateWriter {
  setTarget(state: LocalState): void;
  setApplyState(s: ApplyState): void;
  setServiceStatus(appId: number, serviceName: string, status: string | undefined): void;
  setImageId(name: string, id: string | null): void;
  /** The device stopped this container itself (power-off, stop-service: it may be started again), or no longer. */
  markStartable(containerId: string, startable: boolean): void;
  emit(e: UpdateEventInput): void;
  /** This device's containers as the engine has them now (the planner's input). */
  containers(): Promise<CurrentContainer[]>;
}

export interface DeviceStateDeps {
  initialTarget: LocalState;
  /** Containers the device had stopped itself when it last ran (persisted), and where to save that set. */
  startable: Set<string>;
  saveStartable(ids: ReadonlySet<string>): void;
  readContainers(startable: ReadonlySet<string>): Promise<CurrentContainer[]>;
  events: {
    emit(e: UpdateEventInput): void;
    snapshot(): UpdateEvent[];
    subscribe(fn: (e: UpdateEvent) => void): () => void;
  };
}

export class DeviceState implements DeviceStateReader, DeviceStateWriter {
  private current: LocalState;
  private currentApps: TargetApp[];
  private apply: ApplyState = 'applying';
  private readonly statuses = new Map<string, string>();
  private readonly images = new Map<string, string | null>();

  constructor(private readonly deps: DeviceStateDeps) {
    this.current = deps.initialTarget;
    this.currentApps = normalizeApps(deps.initialTarget);
  }

  target(): LocalState {
    return this.current;
  }

  apps(): readonly TargetApp[] {
    return this.currentApps;
  }

  release(appId?: number): string | null {
    const app = appId === undefined ? this.currentApps[0] : this.currentApps.find((a) => a.appId === appId);
    return app ? app.commit : null;
  }

  applyState(): ApplyState {
    return this.apply;
  }

  serviceStatus(appId: number, serviceName: string): string | undefined {
    return this.statuses.get(`${appId}/${serviceName}`);
  }

  imageId(name: string): string | null | undefined {
    return this.images.get(name);
  }

  containers(): Promise<CurrentContainer[]> {
    return this.deps.readContainers(this.deps.startable);
  }

  latestEvents(): UpdateEvent[] {
    return this.deps.events.snapshot();
  }

  subscribe(fn: (e: UpdateEvent) => void): () => void {
    return this.deps.events.subscribe(fn);
  }

  setTarget(state: LocalState): void {
    this.current = state;
    this.currentApps = normalizeApps(state);
    this.images.clear(); // resolved again for the new target (its own pins)
  }

  setApplyState(s: ApplyState): void {
    this.apply = s;
  }

  setServiceStatus(appId: number, serviceName: string, status: string | undefined): void {
    if (status) this.statuses.set(`${appId}/${serviceName}`, status);
    else this.statuses.delete(`${appId}/${serviceName}`);
  }

  setImageId(name: string, id: string | null): void {
    this.images.set(name, id);
  }

  markStartable(containerId: string, startable: boolean): void {
    if (startable) {
      if (this.deps.startable.has(containerId)) return;
      this.deps.startable.add(containerId);
    } else if (!this.deps.startable.delete(containerId)) return;
    this.deps.saveStartable(this.deps.startable);
  }

  emit(e: UpdateEventInput): void {
    this.deps.events.emit(e);
  }
}
