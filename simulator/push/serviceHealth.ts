// After the device says "applied": is each service really up, or crash-looping? A container that restarted
// already, or that is not running, is reported as such instead of the supervisor's "Running". Uses the device's
// engine (development devices have it); a container younger than `minUptimeMs` is looked at again once it is
// that old, so a crash on start-up is caught.
import type Docker from 'dockerode';
import type { StateStatus } from './supervisorSchemas.js';

export interface ContainerFacts {
  running: boolean;
  restarting: boolean;
  restartCount: number;
  exitCode: number;
  startedAt: number;
}

/** The state to report for a service, from the supervisor's status and the engine's view of its container. */
export function healthState(supervisorState: string, c: ContainerFacts | undefined): string {
  if (!c) return supervisorState;
  if (c.restarting || (c.restartCount > 0 && c.exitCode !== 0)) return `Restarting (exit ${c.exitCode}, ${c.restartCount} restarts)`;
  if (!c.running) return c.exitCode === 0 ? 'exited' : `exited (code ${c.exitCode})`;
  return supervisorState;
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
    };
  } catch {
    return undefined;
  }
}

/** Service name → state to report. Never throws: without an engine the supervisor's states stand. */
export async function checkServices(docker: Docker, status: StateStatus, services: readonly string[], minUptimeMs = 700): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  await Promise.all(
    services.map(async (name) => {
      const c = status.containers.find((x) => x.serviceName === name);
      const supervisorState = c?.status ?? 'unknown';
      if (!c?.containerId) return void (out[name] = supervisorState);
      let f = await facts(docker, c.containerId);
      const age = f ? Date.now() - f.startedAt : Infinity;
      if (f?.running && Number.isFinite(age) && age >= 0 && age < minUptimeMs) {
        await new Promise((r) => setTimeout(r, minUptimeMs - age));
        f = await facts(docker, c.containerId);
      }
      out[name] = healthState(supervisorState, f);
    }),
  );
  return out;
}
