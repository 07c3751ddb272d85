// How a service's state reads with its health: pure, no imports, so the extension's light bundle can use it.

/** A service state that counts as up: running, and healthy when it has a healthcheck. */
export function serviceIsUp(state: string): boolean {
  const s = state.toLowerCase();
  return s === 'running' || s === 'running (healthy)';
}

/** A status with its health, as `edgepush status`, the device tree and the dashboard show it. */
export function statusWithHealth(status: string, health: string | undefined): string {
  return health ? `${status} (${health === 'starting' ? 'health: starting' : health})` : status;
}
