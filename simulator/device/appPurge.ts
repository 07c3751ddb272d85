// Purge Data, as the supervisor's `POST /v2/applications/:appId/purge` (and `/v1/purge`) does it: the app's
// services are removed, its named volumes deleted, and the services made again from the target state with empty
// volumes. Update locks are honoured unless `force`. The reconciler is held meanwhile so it does not recreate a
// container on a volume that is about to go.
import type Docker from 'dockerode';
import type { Reconciler } from './reconciler.js';
import type { LogHub } from './logHub.js';
import type { DeviceStateReader, DeviceStateWriter } from './deviceState.js';
import type { DeviceScope } from './scope.js';
import { EdgePushError } from '../shared/errors.js';

export interface PurgeDeps {
  docker: Docker;
  scope: DeviceScope;
  reconciler: Pick<Reconciler, 'hold'>;
  state: Pick<DeviceStateReader, 'apps' | 'containers'> & Pick<DeviceStateWriter, 'markStartable'>;
  hub: LogHub;
  locked(appId: number, serviceName: string): boolean;
}

export async function purgeApp(deps: PurgeDeps, appId: number, force: boolean): Promise<void> {
  const { docker, reconciler, state, hub } = deps;
  const app = state.apps().find((a) => a.appId === appId);
  if (!app) throw new EdgePushError('not-found', `Application with ID ${appId} not found`);
  const release = await reconciler.hold();
  try {
    const containers = (await state.containers()).filter((c) => c.appId === appId);
    if (!force) {
      const locked = containers.find((c) => deps.locked(appId, c.serviceName));
      if (locked) throw new EdgePushError('conflict', `Updates are locked: ${locked.serviceName}`);
    }
    hub.system('Purging data');
    for (const c of containers) {
      hub.system(`Killing service '${c.serviceName} ${c.dockerImageId.slice(0, 19)}'`);
      await docker.getContainer(c.id).remove({ force: true }).catch(ignoreGone);
      state.markStartable(c.id, false);
    }
    const names = app.volumes.map((v) => deps.scope.volumeName(appId, v));
    for (const [i, name] of names.entries()) {
      hub.system(`Removing volume '${app.volumes[i]}'`);
      await docker.getVolume(name).remove().catch(ignoreGone);
    }
    hub.system('Purged data');
  } finally {
    release();
  }
}

function ignoreGone(err: unknown): void {
  if ((err as { statusCode?: number }).statusCode !== 404) throw err;
}
