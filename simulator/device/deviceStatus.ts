// The body of `GET /v2/state/status`, built from the target, the engine's containers and transient statuses.
import type { CurrentContainer } from './planner.js';
import type { Reconciler } from './reconciler.js';
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

export function statusBody(
  r: Reconciler,
  containers: CurrentContainer[],
  imageIds: Map<string, string | null>,
  downloads: Map<string, number> = new Map(),
): StatusBody {
  const apps = r.targetApps;
  // As the supervisor: the mean over the images still downloading, null when none is.
  const overall = downloads.size > 0 ? Math.round([...downloads.values()].reduce((a, b) => a + b, 0) / downloads.size) : null;
  return {
    status: 'success',
    appState: r.applyState,
    overallDownloadProgress: overall,
    containers: containers.map((c) => ({
      status: r.transientStatus(c.appId, c.serviceName) ?? dockerStateToStatus[c.state] ?? c.state,
      serviceName: c.serviceName,
      appId: c.appId,
      imageId: c.imageId,
      serviceId: c.serviceId,
      containerId: c.id,
      createdAt: c.createdAt,
      ...(c.health && c.state === 'running' ? { health: c.health } : {}),
    })),
    images: apps.flatMap((a) =>
      a.services.map((s) => {
        const id = imageIds.get(s.image) ?? null;
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
    release: r.release(),
  };
}
