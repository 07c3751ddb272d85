// After the device says "applied": is each service really up, or crash-looping, or unhealthy? A container that
// restarted already, or that is not running, is reported as such instead of the supervisor's "Running"; one with
// a healthcheck is waited for until the check has a verdict (bounded by its own start period, interval and
// retries), then reported `Running (healthy)` or `Running (unhealthy)`. Uses the device's engine (development
// devices have it); a container younger than `minUptimeMs` is looked at again once it is that old, so a crash on
// start-up is caught.
import type Docker from 'dockerode';
import * as z from 'zod';
import { statusWithHealth } from './serviceState.js';
import type { StateStatus } from './supervisorSchemas.js';

export interface ContainerFacts {
  running: boolean;
  restarting: boolean;
  restartCount: number;
  exitCode: number;
  startedAt: number;
  /** The healthcheck's verdict, when the container has one. */
  health?: 'starting' | 'healthy' | 'unhealthy';
  /** How long the healthcheck may take to reach a verdict (ms), when it has one. */
  healthWindowMs?: number;
}

/** A service as checked: the state to report, and what is wrong with it as a value (never read back from the text). */
export interface ServiceCheck {
  /** `Running`, `Running (healthy)`, `Restarting (exit 3, 2 restarts)`, `exited (code 1)`, or the supervisor's status. */
  state: string;
  /** It exited, it keeps being restarted (crash loop), or its healthcheck says unhealthy. */
  trouble?: 'exited' | 'restarting' | 'unhealthy';
}

/** The check of a service, from the supervisor's status and the engine's view of its container. */
export function serviceCheck(supervisorState: string, c: ContainerFacts | undefined): ServiceCheck {
  // Without the engine's view the supervisor's status stands (`exited`: the container status of a stopped container).
  if (!c) return supervisorState === 'exited' ? { state: supervisorState, trouble: 'exited' } : { state: supervisorState };
  // The engine resets the exit code when it restarts a container, so a crash-looping container caught while briefly
  // up says exit 0: its restart count is what gives it away.
  if (c.restarting || c.restartCount > 0) {
    const exit = c.exitCode !== 0 ? `exit ${c.exitCode}, ` : '';
    return { state: `Restarting (${exit}${c.restartCount} restart${c.restartCount === 1 ? '' : 's'})`, trouble: 'restarting' };
  }
  if (!c.running) return { state: c.exitCode === 0 ? 'exited' : `exited (code ${c.exitCode})`, trouble: 'exited' };
  const state = statusWithHealth(supervisorState, c.health);
  return c.health === 'unhealthy' ? { state, trouble: 'unhealthy' } : { state };
}

/** The state to report for a service (serviceCheck's text). */
export function healthState(supervisorState: string, c: ContainerFacts | undefined): string {
  return serviceCheck(supervisorState, c).state;
}

async function facts(docker: Docker, id: string): Promise<ContainerFacts | undefined> {
  try {
    const i = await docker.getContainer(id).inspect();
    return {
      running: i.State.Running,
      restarting: i.State.Restarting,
      restartCount: i.RestartCount ?? 0,
      exitCode: i.State.ExitCode,
      startedAt: Date.parse(i.State.StartedAt),
      ...healthFacts(i),
    };
  } catch {
    return undefined;
  }
}

const HEALTH = z.object({ Status: z.enum(['starting', 'healthy', 'unhealthy']) }).loose();
const HEALTH_CONFIG = z
  .object({
    Test: z.array(z.string()).optional(),
    Interval: z.number().optional(),
    Timeout: z.number().optional(),
    StartPeriod: z.number().optional(),
    Retries: z.number().optional(),
  })
  .loose();

/** Docker's defaults: 30 s interval and timeout, 3 retries, no start period. */
function healthFacts(i: Docker.ContainerInspectInfo): Pick<ContainerFacts, 'health' | 'healthWindowMs'> {
  const h = HEALTH.safeParse((i.State as { Health?: unknown }).Health);
  if (!h.success) return {};
  const cfg = HEALTH_CONFIG.safeParse((i.Config as { Healthcheck?: unknown }).Healthcheck);
  const c = cfg.success ? cfg.data : {};
  const ms = (ns: number | undefined, dflt: number) => (ns && ns > 0 ? ns / 1e6 : dflt);
  const window =
    ms(c.StartPeriod, 0) + (ms(c.Interval, 30_000) + ms(c.Timeout, 30_000)) * ((c.Retries && c.Retries > 0 ? c.Retries : 3) + 1);
  return { health: h.data.Status, healthWindowMs: window };
}

/** Service name → state to report. Never throws: without an engine the supervisor's states stand. */
export async function checkServices(
  docker: Docker,
  status: StateStatus,
  services: readonly string[],
  o: { minUptimeMs?: number; maxHealthWaitMs?: number; pollMs?: number; signal?: AbortSignal; onWaiting?: (service: string) => void } = {},
): Promise<Record<string, string>> {
  const checks = await checkServiceStates(docker, status, services, o);
  return Object.fromEntries(Object.entries(checks).map(([name, c]) => [name, c.state]));
}

/** Service name → its check (state and trouble). Never throws: without an engine the supervisor's states stand. */
export async function checkServiceStates(
  docker: Docker,
  status: StateStatus,
  services: readonly string[],
  o: { minUptimeMs?: number; maxHealthWaitMs?: number; pollMs?: number; signal?: AbortSignal; onWaiting?: (service: string) => void } = {},
): Promise<Record<string, ServiceCheck>> {
  const minUptimeMs = o.minUptimeMs ?? 700;
  const out: Record<string, ServiceCheck> = {};
  await Promise.all(
    services.map(async (name) => {
      const c = status.containers.find((x) => x.serviceName === name);
      const supervisorState = c?.status ?? 'unknown';
      if (!c?.containerId) return void (out[name] = serviceCheck(supervisorState, undefined));
      let f = await facts(docker, c.containerId);
      const age = f ? Date.now() - f.startedAt : Infinity;
      if (f?.running && Number.isFinite(age) && age >= 0 && age < minUptimeMs) {
        await new Promise((r) => setTimeout(r, minUptimeMs - age));
        f = await facts(docker, c.containerId);
      }
      // Restarted already and up again: it will most likely exit again within moments; catch that exit's code.
      while (f?.running && f.restartCount > 0 && Date.now() - f.startedAt < minUptimeMs && !o.signal?.aborted) {
        await new Promise((r) => setTimeout(r, 50));
        f = await facts(docker, c.containerId);
      }
      if (f?.running && f.health === 'starting') {
        // Wait for the healthcheck's first verdict, as long as the check itself could take (and no longer than asked).
        o.onWaiting?.(name);
        const until = Date.now() + Math.min(f.healthWindowMs ?? 0, o.maxHealthWaitMs ?? 120_000);
        while (f?.running && f.health === 'starting' && Date.now() < until && !o.signal?.aborted) {
          await new Promise((r) => setTimeout(r, o.pollMs ?? 500));
          f = await facts(docker, c.containerId);
        }
      }
      out[name] = serviceCheck(supervisorState, f);
    }),
  );
  return out;
}
