// The update logic as a pure function: plan(current, target) → steps, steps as plain data. The reconciler
// runs the steps and plans again until nothing is left. Update strategies and locks live here only.
import type { TargetApp, TargetService, UpdateStrategy } from './targetState.js';

export interface CurrentContainer {
  id: string;
  name: string;
  appId: number;
  serviceName: string;
  serviceId: number;
  imageId: number;
  commit: string;
  hash: string;
  dockerImageId: string;
  /** created | running | exited | paused | restarting | removing | dead */
  state: string;
  /** The healthcheck's verdict while running with one (Docker's `Status` says `(healthy)`, ...). */
  health?: 'starting' | 'healthy' | 'unhealthy';
  /** Never started, or stopped by the device itself (power-off, stop-service): may be started again. */
  startable: boolean;
  createdAt: string;
}

/** A target service with what the planner needs resolved beforehand. */
export interface PlannedService {
  target: TargetService;
  /** Docker image id when the image is present on the engine, else null. */
  dockerImageId: string | null;
  /** Config hash of the container this service should have (null while the image is missing or it waits). */
  hash: string | null;
  /** Container ids of the app's other services that its container refers to (network_mode: service:x). */
  peers?: Record<string, string>;
  /** A service it depends on (depends_on, network_mode: service:x) has no container of the target yet. */
  waitingFor?: string;
}

export interface PlanInput {
  apps: TargetApp[];
  services: PlannedService[];
  containers: CurrentContainer[];
  /** Docker names of this device's networks and volumes. */
  networks: string[];
  volumes: string[];
  /** `${appId}/${serviceName}` whose updates.lock is held. */
  locked: ReadonlySet<string>;
  networkName(appId: number, name: string): string;
  volumeName(appId: number, name: string): string;
}

export type Step =
  | { action: 'createNetwork'; appId: number; name: string; dockerName: string }
  | { action: 'createVolume'; appId: number; name: string; dockerName: string }
  | { action: 'fetch'; service: TargetService }
  | { action: 'kill'; container: CurrentContainer; removeImage: boolean; reason: string }
  | { action: 'start'; service: TargetService; dockerImageId: string; peers: Record<string, string> }
  | { action: 'startExisting'; container: CurrentContainer }
  | { action: 'stop'; container: CurrentContainer }
  | { action: 'handover'; service: TargetService; dockerImageId: string; old: CurrentContainer[]; peers: Record<string, string> }
  | { action: 'removeNetwork'; dockerName: string }
  | { action: 'locked'; appId: number; serviceName: string };

export type StepAction = Step['action'];

const key = (appId: number, name: string) => `${appId}/${name}`;

function updateSteps(p: PlannedService, old: CurrentContainer[], locked: boolean): Step[] {
  const s = p.target;
  const ready = p.dockerImageId !== null;
  const peers = p.peers ?? {};
  if (old.length === 0)
    return ready ? [{ action: 'start', service: s, dockerImageId: p.dockerImageId!, peers }] : [{ action: 'fetch', service: s }];
  const strategy: UpdateStrategy = s.strategy;
  if (locked)
    return ready || strategy !== 'download-then-kill'
      ? [{ action: 'locked', appId: s.appId, serviceName: s.serviceName }]
      : [{ action: 'fetch', service: s }];
  const kill = (removeImage: boolean): Step[] =>
    old.map((c) => ({ action: 'kill', container: c, removeImage: removeImage && c.dockerImageId !== p.dockerImageId, reason: 'update' }));
  switch (strategy) {
    case 'kill-then-download':
      return kill(false);
    case 'delete-then-download':
      return kill(true);
    case 'hand-over':
      return ready ? [{ action: 'handover', service: s, dockerImageId: p.dockerImageId!, old, peers }] : [{ action: 'fetch', service: s }];
    case 'download-then-kill':
    default:
      return ready ? kill(false) : [{ action: 'fetch', service: s }];
  }
}

export function plan(input: PlanInput): Step[] {
  const steps: Step[] = [];
  const wanted = new Set(input.services.map((p) => key(p.target.appId, p.target.serviceName)));

  for (const app of input.apps) {
    const nets = new Set(['default', ...app.networks]);
    for (const n of nets) {
      const dockerName = input.networkName(app.appId, n);
      const used = n !== 'default' || app.services.some((s) => !s.spec.network_mode && !s.spec.networks);
      if (used && !input.networks.includes(dockerName)) steps.push({ action: 'createNetwork', appId: app.appId, name: n, dockerName });
    }
    for (const v of app.volumes) {
      const dockerName = input.volumeName(app.appId, v);
      if (!input.volumes.includes(dockerName)) steps.push({ action: 'createVolume', appId: app.appId, name: v, dockerName });
    }
  }
  if (steps.length > 0) return steps; // networks and volumes first: containers reference them

  for (const c of input.containers) {
    if (wanted.has(key(c.appId, c.serviceName))) continue;
    // No app label: not a service (a container made through the engine port, such as EdgePush's delta helper);
    // the real supervisor leaves those alone too.
    if (c.appId === 0) continue;
    steps.push(
      input.locked.has(key(c.appId, c.serviceName))
        ? { action: 'locked', appId: c.appId, serviceName: c.serviceName }
        : { action: 'kill', container: c, removeImage: false, reason: 'removed from target' },
    );
  }

  for (const p of input.services) {
    const s = p.target;
    const mine = input.containers.filter((c) => c.appId === s.appId && c.serviceName === s.serviceName);
    const exact = p.hash === null ? undefined : mine.find((c) => c.hash === p.hash);
    const others = mine.filter((c) => c !== exact);
    const locked = input.locked.has(key(s.appId, s.serviceName));
    // Created after what it depends on (the dependency has steps of its own in this plan): create order follows.
    if (p.waitingFor !== undefined) continue;
    if (exact) {
      if (others.length > 0) {
        steps.push(
          ...(locked
            ? [{ action: 'locked', appId: s.appId, serviceName: s.serviceName } as Step]
            : others.map((c): Step => ({ action: 'kill', container: c, removeImage: false, reason: 'superseded' }))),
        );
      }
      if (s.running && exact.state !== 'running' && exact.state !== 'restarting' && exact.startable)
        steps.push({ action: 'startExisting', container: exact });
      if (!s.running && (exact.state === 'running' || exact.state === 'restarting')) steps.push({ action: 'stop', container: exact });
      continue;
    }
    steps.push(...updateSteps(p, others, locked));
  }

  if (steps.length === 0) {
    // Networks of this device that no target app uses any more (after their containers are gone).
    const keep = new Set(input.apps.flatMap((a) => ['default', ...a.networks].map((n) => input.networkName(a.appId, n))));
    for (const n of input.networks) if (!keep.has(n)) steps.push({ action: 'removeNetwork', dockerName: n });
  }
  return steps;
}
