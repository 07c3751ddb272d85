// The ports a service publishes on its device, as URLs to open: from the container's port bindings through the
// device's engine. A binding on 0.0.0.0 (or ::) is reached at the device's own address.
import type { DeviceClient } from './deviceClient.js';
import { hostForUrl } from './deviceAddress.js';

export interface PublishedPort {
  containerPort: string;
  url: string;
}

type Bindings = Record<string, Array<{ HostIp?: string; HostPort?: string }> | null | undefined>;

export function publishedUrls(deviceHost: string, ports: Bindings): PublishedPort[] {
  const out: PublishedPort[] = [];
  for (const [containerPort, list] of Object.entries(ports ?? {})) {
    if (!containerPort.endsWith('/tcp')) continue;
    for (const b of list ?? []) {
      if (!b.HostPort) continue;
      const ip = !b.HostIp || b.HostIp === '0.0.0.0' || b.HostIp === '::' ? deviceHost : b.HostIp;
      const scheme = containerPort.startsWith('443/') || b.HostPort === '443' ? 'https' : 'http';
      const port = b.HostPort === (scheme === 'https' ? '443' : '80') ? '' : `:${b.HostPort}`;
      const url = `${scheme}://${hostForUrl(ip)}${port}/`;
      if (!out.some((p) => p.url === url)) out.push({ containerPort, url });
    }
  }
  return out;
}

/** The service's published TCP ports; host networking counts as its exposed ports on the device's address. */
export async function servicePorts(client: DeviceClient, service: string): Promise<PublishedPort[]> {
  const id = await client.containerId(service);
  const info = await client.engine().getContainer(id).inspect();
  if (info.HostConfig?.NetworkMode === 'host') {
    const exposed = Object.keys(info.Config?.ExposedPorts ?? {});
    return publishedUrls(client.host, Object.fromEntries(exposed.map((p) => [p, [{ HostPort: p.split('/')[0] }]])));
  }
  return publishedUrls(client.host, (info.NetworkSettings?.Ports ?? {}) as Bindings);
}
