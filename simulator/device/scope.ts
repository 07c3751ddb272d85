// Names and labels that keep one simulated device's Docker objects apart from another's on a shared engine.
// Every container, volume, network and image a device makes carries `io.edgepush.device=<id>`; names carry the
// id as a prefix. Images built through the device's engine endpoint under a `local_*` name (what `balena push`
// and EdgePush use) are stored as `edgepush-dev/<id>/local_*` so two devices never see each other's builds.
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import { isRegistryRef, parseImageRef } from '../registry/reference.js';
import { withTag } from '../shared/imageRef.js';

export const DEVICE_LABEL = 'io.edgepush.device';

export interface DeviceScope {
  id: string;
  labels: Record<string, string>;
  filter: string;
  containerName(appId: number, service: string, configHash: string): string;
  volumeName(appId: number, name: string): string;
  networkName(appId: number, name: string): string;
  /** `local_main` → `edgepush-dev/<id>/local_main:latest`, `HOST:PORT/app:v2` → `edgepush-dev/<id>/HOST_PORT/app:v2`;
   *  other names unchanged. */
  scopedImage(name: string): string;
  /** The inverse, for names shown back to clients. */
  unscopedImage(name: string): string | undefined;
  isScopedLocal(name: string): boolean;
}

/** A device id usable in Docker names: lower case, [a-z0-9-], at most 40 characters. */
export function deviceIdFrom(name: string): string {
  const clean = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (clean.length > 0 && clean.length <= 40) return clean;
  return `d${createHash('sha256').update(name).digest('hex').slice(0, 12)}`;
}

export function isLocalName(name: string): boolean {
  return /^local_[a-z0-9_.-]+(:[A-Za-z0-9_.-]+)?$/.test(name);
}

/** Names a device keeps in its own scope: `local_*` builds and images pulled from a registry. */
export function isScopedName(name: string): boolean {
  return isLocalName(name) || isRegistryRef(name);
}

/**
 * `127.0.0.20:5000/fleet/app:v2` → `127.0.0.20_5000/fleet/app:v2` (a path component may not hold a colon; a
 * host never holds an underscore, so the mapping is reversible). A digest reference keeps the digest as tag.
 */
function registryPath(name: string): string {
  const r = parseImageRef(name);
  return `${r.registry.replace(/:(\d+)$/, '_$1')}/${r.repository}:${r.tag ?? r.digest!.replace(':', '-')}`;
}

function fromRegistryPath(rest: string): string | undefined {
  const m = /^([a-z0-9.-]+?)(?:_(\d+))?(\/.+)$/.exec(rest);
  if (!m || rest.startsWith('local_') || (!m[1]!.includes('.') && m[2] === undefined && m[1] !== 'localhost')) return undefined;
  return `${m[1]}${m[2] ? `:${m[2]}` : ''}${m[3]}`;
}

export function makeScope(id: string): DeviceScope {
  const prefix = `edgepush-dev/${id}/`;
  return {
    id,
    labels: { [DEVICE_LABEL]: id },
    filter: `${DEVICE_LABEL}=${id}`,
    containerName: (appId, service, hash) => `ep-${id}_${appId}_${service}_${hash.slice(0, 12)}`,
    volumeName: (appId, name) => `ep-${id}_${appId}_${name}`,
    networkName: (appId, name) => `ep-${id}_${appId}_${name}`,
    scopedImage: (name) =>
      isLocalName(name) ? `${prefix}${withTag(name)}` : isRegistryRef(name) ? `${prefix}${registryPath(name)}` : name,
    unscopedImage: (name) =>
      name.startsWith(prefix) ? (fromRegistryPath(name.slice(prefix.length)) ?? name.slice(prefix.length)) : undefined,
    isScopedLocal: (name) => name.startsWith(prefix),
  };
}

/** Removes every container, network, volume and scoped image of one device (tests, `--purge`). */
export async function purgeDevice(docker: Docker, id: string): Promise<void> {
  const filters = JSON.stringify({ label: [`${DEVICE_LABEL}=${id}`] });
  const containers = await docker.listContainers({ all: true, filters });
  await Promise.all(
    containers.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch(() => undefined),
    ),
  );
  const networks = await docker.listNetworks({ filters });
  await Promise.all(
    networks.map((n) =>
      docker
        .getNetwork(n.Id)
        .remove()
        .catch(() => undefined),
    ),
  );
  const volumes = await docker.listVolumes({ filters });
  await Promise.all(
    (volumes.Volumes ?? []).map((v) =>
      docker
        .getVolume(v.Name)
        .remove()
        .catch(() => undefined),
    ),
  );
  try {
    await docker.pruneImages({ filters: JSON.stringify({ dangling: ['true'], label: [`${DEVICE_LABEL}=${id}`] }) } as never);
  } catch {
    // a prune already running elsewhere: the tagged images below still go
  }
  // All images: a reference filter's `*` stops at a `/`, and pulled images (edgepush-dev/<id>/HOST_PORT/path:tag)
  // have deeper names and no device label.
  const images = await docker.listImages();
  for (const img of images) {
    for (const tag of img.RepoTags ?? []) {
      if (tag.startsWith(`edgepush-dev/${id}/`))
        await docker
          .getImage(tag)
          .remove({ force: true })
          .catch(() => undefined);
    }
  }
}
