// Reads what this device has on the engine right now (containers, networks, volumes, image ids), as the
// planner's input types. Engine responses are validated with zod.
import type Docker from 'dockerode';
import * as z from 'zod';
import type { CurrentContainer } from './planner.js';
import type { DeviceScope } from './scope.js';
import { L } from './containerSpec.js';
import { isRegistryRef } from '../registry/reference.js';

const containerRow = z.object({
  Id: z.string(),
  Names: z.array(z.string()).default([]),
  ImageID: z.string().default(''),
  State: z.string().default('unknown'),
  Status: z.string().default(''),
  Created: z.number().default(0),
  Labels: z.record(z.string(), z.string()).nullable().default({}),
});

export async function readContainers(docker: Docker, scope: DeviceScope, startable: ReadonlySet<string>): Promise<CurrentContainer[]> {
  const rows = z.array(containerRow).parse(await docker.listContainers({ all: true, filters: JSON.stringify({ label: [scope.filter] }) }));
  return rows.map((r) => {
    const labels = r.Labels ?? {};
    return {
      id: r.Id,
      name: (r.Names[0] ?? '').replace(/^\//, ''),
      appId: Number(labels[L.app] ?? 0),
      serviceName: labels[L.service] ?? '',
      serviceId: Number(labels[L.serviceId] ?? 0),
      imageId: Number(labels[L.imageId] ?? 0),
      commit: labels[L.commit] ?? '',
      hash: labels[L.hash] ?? '',
      dockerImageId: r.ImageID,
      state: r.State,
      health: healthOf(r.Status),
      startable: r.State === 'created' || startable.has(r.Id),
      createdAt: new Date(r.Created * 1000).toISOString(),
    };
  });
}

/** The health in a container list row's `Status` ("Up 5 seconds (health: starting)"). */
export function healthOf(status: string): CurrentContainer['health'] {
  const m = /\((healthy|unhealthy|health: starting)\)/.exec(status);
  if (!m) return undefined;
  return m[1] === 'health: starting' ? 'starting' : (m[1] as 'healthy' | 'unhealthy');
}

const named = z.array(z.object({ Name: z.string() }));

export async function readNetworks(docker: Docker, scope: DeviceScope): Promise<string[]> {
  return named.parse(await docker.listNetworks({ filters: JSON.stringify({ label: [scope.filter] }) })).map((n) => n.Name);
}

export async function readVolumes(docker: Docker, scope: DeviceScope): Promise<string[]> {
  const res = z
    .object({ Volumes: named.nullable().default([]) })
    .parse(await docker.listVolumes({ filters: JSON.stringify({ label: [scope.filter] }) }));
  return (res.Volumes ?? []).map((v) => v.Name);
}

/** Image id for a target image name: the device-scoped name first (`local_*` builds), then the name itself. */
export async function resolveImage(docker: Docker, scope: DeviceScope, name: string): Promise<string | null> {
  // A registry reference is the device's own pulled copy only: the shared engine's image of that name (another
  // device's pull, or the host's) is not on this device.
  const candidates = isRegistryRef(name) ? [scope.scopedImage(name)] : [...new Set([scope.scopedImage(name), name])];
  for (const candidate of candidates) {
    try {
      const info = z.object({ Id: z.string() }).parse(await docker.getImage(candidate).inspect());
      return info.Id;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  return null;
}

export function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { statusCode?: number }).statusCode === 404;
}

/** True for errors meaning the engine itself does not answer (socket refused, gone, reset). */
export function isEngineDown(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null ? (err as { code?: string }).code : undefined;
  return (
    code === 'ECONNREFUSED' ||
    code === 'ENOENT' ||
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code === 'ETIMEDOUT' ||
    code === 'EHOSTUNREACH'
  );
}
