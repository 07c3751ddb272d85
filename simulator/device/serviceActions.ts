// restart/stop/start of one service or a whole app, as the supervisor's
// `/v2/applications/:appId/{restart,stop,start}-service` and `/v2/applications/:appId/restart` do them: planned as
// steps (pure, below) and run by the reconciler with the update executors, so their logs, events, locks and
// persistence are those of updates.
import type { Reconciler } from './reconciler.js';
import type { CurrentContainer, Step } from './planner.js';
import { EdgePushError } from '../shared/errors.js';

export type ServiceAction = 'restart' | 'stop' | 'start';

export interface ServiceActionDeps {
  reconciler: Reconciler;
}

/** The steps of an action on these containers, in order: a restart is a stop then a start, container by container. */
export function planServiceAction(action: ServiceAction, containers: readonly CurrentContainer[]): Step[] {
  return containers.flatMap((container): Step[] => {
    const stop: Step = { action: 'stop', container };
    const start: Step = { action: 'startExisting', container };
    return action === 'stop' ? [stop] : action === 'start' ? [start] : [stop, start];
  });
}

export async function runServiceAction(
  deps: ServiceActionDeps,
  action: ServiceAction,
  appId: number,
  select: { serviceName?: string; imageId?: number } | 'all',
  force: boolean,
): Promise<void> {
  const { reconciler } = deps;
  const app = reconciler.targetApps.find((a) => a.appId === appId);
  if (!app) throw new EdgePushError('not-found', `Application with ID ${appId} not found`);
  const containers = (await reconciler.currentContainers()).filter((c) => c.appId === appId);
  const chosen =
    select === 'all'
      ? containers
      : containers.filter((c) => (select.serviceName !== undefined ? c.serviceName === select.serviceName : c.imageId === select.imageId));
  if (chosen.length === 0) throw new EdgePushError('not-found', 'Service not found, a container must exist for this endpoint to work');
  for (const c of chosen) {
    if (!force && action !== 'start' && reconciler.lockHeld(appId, c.serviceName)) {
      throw new EdgePushError('locked', `Updates are locked: ${c.serviceName}`);
    }
  }
  await reconciler.runSteps(planServiceAction(action, chosen));
}
