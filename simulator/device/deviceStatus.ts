// The body of `GET /v2/state/status`, built from the device's read model (target, apply state, service statuses,
// resolved images, latest update events) and the engine's containers.
import type { CurrentContainer } from './planner.js';
import type { DeviceStateReader } from './deviceState.js';
import type { UpdateEvent } from '../shared/updateEvents.js';

const dockerStateToStatus: Record<string, string> = {
  created: 'Installed',
  running: 'Running',
  exited: 'exited',
  paused: 'paused',
  restarting: 'restarting',
  removing: 'removing',
  dead: 'Dead',
};

export interface StatusBody {
  status: 'success';
  appState: 'applying' | 'applied';
  overallDownloadProgress: number | null;
  containers: {
    status: string;
    serviceName: string;
    appId: number;
    imageId: number;
    serviceId: number;
    containerId: string;
    createdAt: string;
    /** EdgePush extension: the healthcheck's verdict, for services that have one. */
    health?: 'starting' | 'healthy' | 'unhealthy';
  }[];
  images: {
    name: string;
    appId: number;
    serviceName: string;
    imageId: number;
    dockerImageId: string | null;
    status: 'Downloading' | 'Downloaded' | 'Deleting';
    downloadProgress: number | null;
  }[];
  release: string | null;
}

/**
 * Download progress (0..100) of each service whose image is being received, keyed `appId/serviceName`, from the
 * latest update events of the release being applied.
 */
export function downloadsInProgress(latest: readonly UpdateEvent[], releaseOf: (appId: number) => string | null): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of latest) {
    if (e.type === 'service' && e.phase === 'downloading' && e.release === releaseOf(e.appId))
      out.set(`${e.appId}/${e.serviceName}`, e.progress ?? 0);
  }
  return out;
}

export function statusBody(state: DeviceStateReader, containers: readonly CurrentContainer[]): StatusBody {
  const downloads = downloadsInProgress(state.latestEvents(), (appId) => state.release(appId));
  // As the supervisor: the mean over the images still downloading, null when none is.
  const overall = downloads.size > 0 ? Math.round([...downloads.values()].reduce((a, b) => a + b, 0) / downloads.size) : null;
  return {
    status: 'success',
    appState: state.applyState(),
    overallDownloadProgress: overall,
    containers: containers.map((c) => ({
      status: state.serviceStatus(c.appId, c.serviceName) ?? dockerStateToStatus[c.state] ?? c.state,
      serviceName: c.serviceName,
      appId: c.appId,
      imageId: c.imageId,
      serviceId: c.serviceId,
      containerId: c.id,
      createdAt: c.createdAt,
      ...(c.health && c.state === 'running' ? { health: c.health } : {}),
    })),
    images: state.apps().flatMap((a) =>
      a.services.map((s) => {
        const id = state.imageId(s.image) ?? null;
        return {
          name: s.image,
          appId: s.appId,
          serviceName: s.serviceName,
          imageId: s.imageId,
          dockerImageId: id,
          status: id ? ('Downloaded' as const) : ('Downloading' as const),
          downloadProgress: id ? null : (downloads.get(`${s.appId}/${s.serviceName}`) ?? null),
        };
      }),
    ),
    release: state.release(),
  };
}
