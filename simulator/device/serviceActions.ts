// restart/stop/start of one service or a whole app, as the supervisor's
// `/v2/applications/:appId/{restart,stop,start}-service` and `/v2/applications/:appId/restart` do them: planned as
// steps (pure, below) and run by the reconciler with the update executors, so their logs, events, locks and
// persistence are those of updates.
import type { CurrentContainer, Step } from './planner.js';
import type { Reconciler } from './reconciler.js';
import type { DeviceStateReader } from './deviceState.js';
import { EdgePushError } from '../shared/errors.js';

export type ServiceAction = 'restart' | 'stop' | 'start';

/** Which services of an app an action is for: one by name or image id, or all of them. */
export type ServiceSelector = { serviceName?: string; imageId?: number } | 'all';

export interface ServiceActionDeps {
  reconciler: Pick<Reconciler, 'runSteps'>;
  state: Pick<DeviceStateReader, 'apps' | 'containers'>;
  /** True while `updates.lock` is held for that service. */
  locked(appId: number, serviceName: string): boolean;
}

/**
 * The steps of an action on these containers, in order: a restart is a stop then a start, container by container.
 * A stop or restart of a service whose updates.lock is held is a `locked` step instead (unless forced), as for an
 * update: the action is refused whole, nothing is stopped.
 */
export function planServiceAction(
  action: ServiceAction,
  containers: readonly CurrentContainer[],
  locked: ReadonlySet<string> = new Set(),
  force = false,
): Step[] {
  const held = containers.filter((c) => !force && action !== 'start' && locked.has(`${c.appId}/${c.serviceName}`));
  if (held.length > 0) return held.map((c): Step => ({ action: 'locked', appId: c.appId, serviceName: c.serviceName }));
  return containers.flatMap((container): Step[] => {
    const stop: Step = { action: 'stop', container };
    const start: Step = { action: 'startExisting', container };
    return action === 'stop' ? [stop] : action === 'start' ? [start] : [stop, start];
  });
}

/** The containers an action is for; throws not-found (no such app, or no container for the selection). */
export function selectContainers(containers: readonly CurrentContainer[], appId: number, select: ServiceSelector): CurrentContainer[] {
  const mine = containers.filter((c) => c.appId === appId);
  const chosen =
    select === 'all'
      ? mine
      : mine.filter((c) => (select.serviceName !== undefined ? c.serviceName === select.serviceName : c.imageId === select.imageId));
  if (chosen.length === 0) throw new EdgePushError('not-found', 'Service not found, a container must exist for this endpoint to work');
  return chosen;
}

export async function runServiceAction(
  deps: ServiceActionDeps,
  action: ServiceAction,
  appId: number,
  select: ServiceSelector,
  force: boolean,
): Promise<void> {
  if (!deps.state.apps().some((a) => a.appId === appId)) throw new EdgePushError('not-found', `Application with ID ${appId} not found`);
  const chosen = selectContainers(await deps.state.containers(), appId, select);
  const locked = new Set(chosen.filter((c) => deps.locked(c.appId, c.serviceName)).map((c) => `${c.appId}/${c.serviceName}`));
  const steps = planServiceAction(action, chosen, locked, force);
  const held = steps.find((s) => s.action === 'locked');
  if (held) throw new EdgePushError('locked', `Updates are locked: ${held.serviceName}`);
  await deps.reconciler.runSteps(steps);
}
