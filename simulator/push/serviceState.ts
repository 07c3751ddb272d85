// How a service's state reads: with its health, and as a push phase. Pure, no imports but a type, so the
// extension's light bundle can use it.
import type { ServicePhase } from './types.js';

/** A service state that counts as up: running, and healthy when it has a healthcheck. */
export function serviceIsUp(state: string): boolean {
  const s = state.toLowerCase();
  return s === 'running' || s === 'running (healthy)';
}

/** A status with its health, as `edgepush status`, the device tree and the dashboard show it. */
export function statusWithHealth(status: string, health: string | undefined): string {
  return health ? `${status} (${health === 'starting' ? 'health: starting' : health})` : status;
}

/**
 * The push phase of a service state, wherever it comes from: the supervisor's container status (`Installing`,
 * `Handing over`, `Dead`...) or a state of the push report (`Running (healthy)`, `Restarting (exit 3, 2 restarts)`,
 * `exited (code 1)`). The one mapping the CLI, the tree and the dashboard share.
 */
export function phaseOfServiceState(state: string): ServicePhase | undefined {
  const base = state.toLowerCase().replace(/\s*\(.*$/, '');
  switch (base) {
    case 'downloading':
      return 'shipping';
    case 'downloaded':
      return 'downloaded';
    case 'installing':
    case 'installed':
    case 'starting':
    case 'awaiting handover':
    case 'handing over':
      return 'installing';
    case 'running':
      return 'running';
    case 'exited':
    case 'stopped':
    case 'stopping':
    case 'restarting': // its process ended; the engine will start it again
      return 'exited';
    case 'dead': // the engine could not stop or remove it
    case 'aborted':
    case 'failed':
      return 'failed';
    default:
      return undefined;
  }
}
