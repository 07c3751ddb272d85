// restart/stop/start of one service or a whole app, as the supervisor's
// `/v2/applications/:appId/{restart,stop,start}-service` and `/v2/applications/:appId/restart` do them.
import type Docker from 'dockerode';
import type { Reconciler } from './reconciler.js';
import type { LogHub } from './logHub.js';
import type { UpdateEventBus } from './updateEventBus.js';
import type { ContainerLogs } from './containerLogs.js';
import { EdgePushError } from '../shared/errors.js';

export type ServiceAction = 'restart' | 'stop' | 'start';

export interface ServiceActionDeps {
  docker: Docker;
  reconciler: Reconciler;
  hub: LogHub;
  events: UpdateEventBus;
  logs: ContainerLogs;
}

export async function runServiceAction(
  deps: ServiceActionDeps,
  action: ServiceAction,
  appId: number,
  select: { serviceName?: string; imageId?: number } | 'all',
  force: boolean,
): Promise<void> {
  const { docker, reconciler, hub, events } = deps;
  const app = reconciler.targetApps.find((a) => a.appId === appId);
  if (!app) throw new EdgePushError('not-found', `Application with ID ${appId} not found`);
  const containers = (await reconciler.currentContainers()).filter((c) => c.appId === appId);
  const chosen = select === 'all' ? containers : containers.filter((c) => (select.serviceName !== undefined ? c.serviceName === select.serviceName : c.imageId === select.imageId));
  if (chosen.length === 0) throw new EdgePushError('not-found', 'Service not found, a container must exist for this endpoint to work');
  for (const c of chosen) {
    if (!force && action !== 'start' && reconciler.lockHeld(appId, c.serviceName)) {
      throw new EdgePushError('locked', `Updates are locked: ${c.serviceName}`);
    }
  }
  for (const c of chosen) {
    const container = docker.getContainer(c.id);
    const ev = { type: 'service' as const, appId, serviceName: c.serviceName, release: c.commit, containerId: c.id };
    if (action !== 'start') {
      hub.system(`Stopping service '${c.serviceName} ${c.dockerImageId.slice(0, 19)}'`);
      events.emit({ ...ev, phase: 'stopping' });
      await container.stop({ t: 10 }).catch(ignoreNotModified);
      reconciler.markStartable(c.id, false);
      hub.system(`Stopped service '${c.serviceName} ${c.dockerImageId.slice(0, 19)}'`);
      events.emit({ ...ev, phase: 'stopped' });
    }
    if (action !== 'stop') {
      hub.system(`Starting service '${c.serviceName} ${c.dockerImageId.slice(0, 19)}'`);
      void deps.logs.follow(c.id);
      await container.start().catch(ignoreNotModified);
      hub.system(`Started service '${c.serviceName} ${c.dockerImageId.slice(0, 19)}'`);
      events.emit({ ...ev, phase: 'running' });
    }
  }
}

function ignoreNotModified(err: unknown): void {
  if ((err as { statusCode?: number }).statusCode !== 304) throw err;
}
