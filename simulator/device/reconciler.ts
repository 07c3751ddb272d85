// Reconcile until converged: read the engine, plan, run the steps, plan again. One pass at a time; a trigger
// during a pass schedules another. Waits (updates.lock held, image missing, engine down) retry on a timer.
// Convergence only: what the device looks like from outside (target, apply state, service statuses, resolved
// images, events) is published to the read model (deviceState.ts) through DeviceStateWriter.
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import { plan, type CurrentContainer, type PlannedService, type Step } from './planner.js';
import { normalizeApps, type LocalState, type TargetApp, type TargetService } from './targetState.js';
import { containerSpec, type DeviceEnv } from './containerSpec.js';
import { resolveDependencies, type ServiceImage } from './dependencies.js';
import { readNetworks, readVolumes, resolveImage, isEngineDown } from './currentState.js';
import { execute, type ExecContext } from './executor.js';
import type { DeviceScope } from './scope.js';
import type { LogHub } from './logHub.js';
import type { StateStore } from './stateStore.js';
import type { ContainerLogs } from './containerLogs.js';
import type { ApplyState, DeviceStateWriter } from './deviceState.js';
import { updatesLocked } from './updateLocks.js';
import { messageOf } from '../shared/errors.js';

export interface ReconcilerDeps {
  docker: Docker;
  scope: DeviceScope;
  env: DeviceEnv;
  hub: LogHub;
  /** The read model this reconciler publishes to. */
  state: DeviceStateWriter;
  store: Pick<StateStore, 'saveTarget' | 'imagePins' | 'saveImagePins'>;
  logs: ContainerLogs;
  receivedBytes(): number;
  /** Registry pulls for target images named by a registry reference (registryPull.ts). */
  pull?(image: string, onProgress: (bytes: number, total: number | null) => void): Promise<void>;
}

const MAX_STEPS_PER_PASS = 200;

export class Reconciler {
  private target: LocalState;
  private apps: TargetApp[];
  private running = false;
  private again = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly missingReported = new Set<string>();
  private appState: ApplyState = 'applying';
  private engineDown = false;
  private settledWaiters: (() => void)[] = [];
  /**
   * Image ids resolved for the current target, persisted with it: a rebuild or a retag of the same name (through
   * :2375, by anyone) waits for the next target, and after a restart the device runs exactly the images it ran
   * before. A pinned image that is gone is reported missing; its tag is never resolved again for this target.
   */
  private pins = new Map<string, string>();
  private targetHash: string;
  /** No pins were saved for the target loaded at start (state from an older agent): the first pass takes them
   *  from the release's running containers. Never after a new target: local mode reuses commit values. */
  private adoptOnce: boolean;

  constructor(
    private readonly deps: ReconcilerDeps,
    initialTarget: LocalState,
  ) {
    this.target = initialTarget;
    this.apps = normalizeApps(this.target);
    deps.state.setTarget(initialTarget);
    deps.state.setApplyState(this.appState);
    this.targetHash = hashOf(this.target);
    const saved = deps.store.imagePins(this.targetHash);
    this.pins = new Map(Object.entries(saved ?? {}));
    this.adoptOnce = saved === undefined;
  }

  /** Persists the new target (atomically) and starts converging towards it. */
  setTarget(state: LocalState): void {
    this.deps.store.saveTarget(state);
    this.target = state;
    this.apps = normalizeApps(state);
    this.deps.state.setTarget(state);
    this.missingReported.clear();
    this.pins = new Map();
    this.adoptOnce = false;
    this.targetHash = hashOf(state);
    this.deps.store.saveImagePins({ target: this.targetHash, pins: {} });
    this.setAppState('applying');
    this.trigger();
  }

  /** Runs steps planned outside the convergence loop (service actions) with its executors, holding the loop meanwhile. */
  async runSteps(steps: readonly Step[]): Promise<void> {
    const release = await this.hold();
    try {
      const ctx = this.execContext();
      for (const step of steps) await execute(ctx, step);
    } finally {
      release();
    }
  }

  /**
   * Keeps the loop from acting until the returned release is called, and resolves once a pass already running
   * has ended: a purge removes containers and volumes without the loop making them again under it.
   */
  async hold(): Promise<() => void> {
    this.holds++;
    while (this.running) await new Promise((r) => setTimeout(r, 50));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      this.trigger();
    };
  }

  private holds = 0;

  trigger(): void {
    if (this.stopped || this.holds > 0) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.loop();
  }

  /** Resolves when the device is applied (for tests and `stop`). */
  whenSettled(): Promise<void> {
    if (!this.running && this.appState === 'applied') return Promise.resolve();
    return new Promise((r) => this.settledWaiters.push(r));
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }

  private lockHeld(appId: number, service: string): boolean {
    return updatesLocked(this.deps.env.lockDir, appId, service);
  }

  private failures = 0;

  private async loop(): Promise<void> {
    let retryIn: number;
    try {
      do {
        this.again = false;
        retryIn = await this.pass();
      } while (this.again && !this.stopped);
    } finally {
      this.running = false;
    }
    if (this.stopped) return;
    if (retryIn > 0) {
      if (this.retryTimer) clearTimeout(this.retryTimer);
      retryIn = Math.min(30000, retryIn * 2 ** Math.min(this.failures, 4));
      this.retryTimer = setTimeout(() => this.trigger(), retryIn);
      this.retryTimer.unref();
    }
  }

  /** One pass to convergence or to a wait; returns the retry delay in ms (0 = settled). */
  private async pass(): Promise<number> {
    const ctx = this.execContext();
    try {
      for (let i = 0; i < MAX_STEPS_PER_PASS && !this.stopped; i++) {
        const steps = await this.planOnce();
        if (this.engineDown) {
          this.engineDown = false;
          this.deps.hub.system('Engine is reachable again');
        }
        if (this.again) return 0; // a new target arrived while planning: plan again before saying applied
        if (steps.length === 0) {
          this.failures = 0;
          this.setAppState('applied');
          await this.pruneReplacedImages();
          return 0;
        }
        let progressed = false;
        for (const step of steps) {
          if (this.stopped || this.again) break;
          if (step.action === 'locked') this.reportLocked(step);
          else if (await execute(ctx, step)) progressed = true;
        }
        if (this.again) return 0;
        if (!progressed) return steps.some((s) => s.action === 'locked') ? 1000 : 3000;
      }
      return 1000;
    } catch (err) {
      if (isEngineDown(err)) {
        if (!this.engineDown) {
          this.engineDown = true;
          this.deps.hub.system(`Engine not reachable (${messageOf(err)}); retrying`);
          this.deps.state.emit({
            type: 'device',
            state: 'offline',
            release: this.release(),
            bytesReceived: this.deps.receivedBytes(),
            message: 'engine not reachable',
          });
        }
        return 2000;
      }
      this.failures++;
      this.deps.hub.system(`Failed to apply target state: ${messageOf(err)}`);
      return 2000;
    }
  }

  private async planOnce(): Promise<Step[]> {
    const { docker, scope, env } = this.deps;
    const containers = await this.deps.state.containers();
    if (this.adoptOnce) {
      this.adoptOnce = false;
      this.adoptPins(containers);
    }
    const [networks, volumes] = await Promise.all([readNetworks(docker, scope), readVolumes(docker, scope)]);
    const images: ServiceImage[] = [];
    const locked = new Set<string>();
    for (const app of this.apps) {
      for (const s of app.services) {
        images.push({ target: s, dockerImageId: await this.imageIdFor(s.image) });
        if (this.lockHeld(s.appId, s.serviceName)) locked.add(`${s.appId}/${s.serviceName}`);
      }
    }
    const services: PlannedService[] = resolveDependencies(
      images,
      containers,
      (s, id, peers) => containerSpec(s, id, scope, env, peers).hash,
    );
    for (const c of containers) if (this.lockHeld(c.appId, c.serviceName)) locked.add(`${c.appId}/${c.serviceName}`);
    return plan({
      apps: this.apps,
      services,
      containers,
      networks,
      volumes,
      locked,
      networkName: (a, n) => scope.networkName(a, n),
      volumeName: (a, n) => scope.volumeName(a, n),
    });
  }

  /**
   * Images this device built that a rebuild of the same name has replaced (untagged, device label, used by no
   * container) are removed once applied, so the engine does not fill up push after push. Intermediate build
   * images carry no device label and are never touched.
   */
  private async pruneReplacedImages(): Promise<void> {
    try {
      await this.deps.docker.pruneImages({ filters: JSON.stringify({ dangling: ['true'], label: [this.deps.scope.filter] }) } as never);
    } catch {
      // an image in use or a concurrent prune: next time
    }
  }

  /** The image id the current target uses for `name` (pinned once found), or null while it is missing. */
  private async imageIdFor(name: string): Promise<string | null> {
    const id = await this.resolvePinned(name);
    this.deps.state.setImageId(name, id);
    return id;
  }

  private async resolvePinned(name: string): Promise<string | null> {
    const pinned = this.pins.get(name);
    if (pinned) {
      try {
        await this.deps.docker.getImage(pinned).inspect();
        return pinned;
      } catch (err) {
        if (isEngineDown(err)) throw err;
        return null; // the pinned image is gone: the name now means another image, not this release's
      }
    }
    const id = await resolveImage(this.deps.docker, this.deps.scope, name);
    if (id) this.pin(name, id);
    return id;
  }

  /** Before pins were saved (or when the file was lost), a release's running containers say what it runs. */
  private adoptPins(containers: CurrentContainer[]): void {
    for (const app of this.apps) {
      for (const s of app.services) {
        if (this.pins.has(s.image)) continue;
        const c = containers.find(
          (x) => x.appId === s.appId && x.serviceName === s.serviceName && x.commit === s.commit && x.dockerImageId,
        );
        if (c) this.pin(s.image, c.dockerImageId);
      }
    }
  }

  private pin(name: string, id: string): void {
    this.pins.set(name, id);
    this.deps.store.saveImagePins({ target: this.targetHash, pins: Object.fromEntries(this.pins) });
  }

  private reportLocked(step: Extract<Step, { action: 'locked' }>): void {
    const key = `lock:${step.appId}/${step.serviceName}`;
    if (this.missingReported.has(key)) return;
    this.missingReported.add(key);
    this.deps.hub.system(`Updates are locked for '${step.serviceName}', retrying`);
    this.deps.state.emit({
      type: 'service',
      appId: step.appId,
      serviceName: step.serviceName,
      phase: 'waiting',
      release: this.release(step.appId) ?? '',
      message: 'updates locked',
    });
  }

  private release(appId?: number): string | null {
    const app = appId === undefined ? this.apps[0] : this.apps.find((a) => a.appId === appId);
    return app ? app.commit : null;
  }

  private setAppState(s: ApplyState): void {
    if (s === 'applied') {
      for (const k of [...this.missingReported]) if (k.startsWith('lock:')) this.missingReported.delete(k);
    }
    if (s !== this.appState) {
      this.appState = s;
      this.deps.state.setApplyState(s);
      this.deps.state.emit({ type: 'device', state: s, release: this.release(), bytesReceived: this.deps.receivedBytes() });
    }
    if (s === 'applied') {
      const w = this.settledWaiters;
      this.settledWaiters = [];
      for (const f of w) f();
    }
  }

  private execContext(): ExecContext {
    const { docker, scope, env, hub, state, pull } = this.deps;
    return {
      docker,
      scope,
      env,
      hub,
      events: state,
      pull,
      setTransient: (appId, service, status) => state.setServiceStatus(appId, service, status),
      follow: (id) => void this.deps.logs.follow(id),
      markStartable: (id, s) => state.markStartable(id, s),
      reportMissing: (s: TargetService) => {
        const key = `${s.appId}/${s.serviceName}/${s.image}`;
        if (this.missingReported.has(key)) return false;
        this.missingReported.add(key);
        return true;
      },
      release: (appId) => this.release(appId) ?? '',
      stopping: () => this.stopped,
      imageIdFor: (name) => this.imageIdFor(name),
    };
  }
}

const hashOf = (state: LocalState) => createHash('sha256').update(JSON.stringify(state)).digest('hex');
