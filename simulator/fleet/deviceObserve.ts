// What the rollout reads from each fleet device, over the local-mode API: its target state and release, the
// image each service runs (a delta base), its health for the gate (the supervisor's status and the engine's
// view of each container: a crash loop is not "Running"), and what its registry pulls fetched.
import * as z from 'zod';
import { DeviceClient } from '../push/deviceClient.js';
import { checkServices } from '../push/serviceHealth.js';
import type { TargetState } from '../push/supervisorSchemas.js';
import type { DeviceHealth } from './rolloutPlan.js';

export interface DeviceSnapshot {
  address: string;
  reachable: boolean;
  target?: TargetState;
  release: string | null;
  /** Service name → image id it runs (applied target images). */
  images: Map<string, string>;
  deviceType?: string;
  arch?: string;
}

export async function snapshot(address: string): Promise<DeviceSnapshot> {
  const client = new DeviceClient(address, { timeoutMs: 10_000 });
  try {
    const [target, status, info] = await Promise.all([client.getTargetState(), client.status(), client.deviceInfo()]);
    const images = new Map<string, string>();
    if (status.appState === 'applied')
      for (const i of status.images) if (i.serviceName && i.dockerImageId) images.set(i.serviceName, i.dockerImageId);
    return { address, reachable: true, target, release: status.release ?? null, images, deviceType: info.deviceType, arch: info.arch };
  } catch {
    return { address, reachable: false, release: null, images: new Map() };
  }
}

/** Health for the gate; a device that does not answer is unreachable (it fails the gate unless it comes back).
 *  A healthcheck still starting is not waited for here: the gate asks again. */
export async function health(address: string, services: readonly string[], stableMs: number): Promise<DeviceHealth> {
  const client = new DeviceClient(address, { timeoutMs: 5_000 });
  try {
    const status = await client.status();
    const applied = status.appState === 'applied';
    const states = applied ? await checkServices(client.engine(), status, services, { minUptimeMs: stableMs, maxHealthWaitMs: 0 }) : {};
    const images: Record<string, string | undefined> = {};
    if (applied) {
      for (const c of status.containers.filter((x) => services.includes(x.serviceName) && x.containerId)) {
        const info = (await client
          .engine()
          .getContainer(c.containerId!)
          .inspect()
          .catch(() => undefined)) as { Image?: string; RestartCount?: number } | undefined;
        images[c.serviceName] = info?.Image;
        // A container the engine has restarted is crash-looping, even when caught in a running moment (the
        // engine resets its exit code to 0 at each restart, so the exit code alone does not tell).
        if (info?.RestartCount) states[c.serviceName] = `Restarting (${info.RestartCount} restarts)`;
      }
    }
    return { reachable: true, release: status.release ?? null, applied, services: states, images };
  } catch {
    return { reachable: false };
  }
}

const pullsSchema = z.object({
  pulls: z.array(z.object({ ref: z.string(), method: z.enum(['none', 'delta', 'layers']), bytesFetched: z.number(), imageId: z.string() })),
});

/** What the device's pulls of `refs` fetched: total bytes and the method (layers beats delta beats none). */
export async function pullFigures(
  address: string,
  refs: readonly string[],
): Promise<{ bytesFetched: number; method: 'delta' | 'layers' | 'none' }> {
  try {
    const res = await fetch(`http://${address}:48484/v2/edgepush/pulls`, { signal: AbortSignal.timeout(5000) });
    const body = pullsSchema.parse(await res.json());
    const mine = body.pulls.filter((p) => refs.includes(p.ref));
    const method = mine.some((p) => p.method === 'layers') ? 'layers' : mine.some((p) => p.method === 'delta') ? 'delta' : 'none';
    return { bytesFetched: mine.reduce((s, p) => s + p.bytesFetched, 0), method };
  } catch {
    return { bytesFetched: 0, method: 'none' };
  }
}

/** Drops the device's link for `downMs` (fault injection; simulated devices). */
export async function cutLink(address: string, downMs: number): Promise<void> {
  const res = await fetch(`http://${address}:48484/v2/edgepush/faults/link`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ downMs }),
    signal: AbortSignal.timeout(5000),
  });
  await res.body?.cancel();
}
