// Shared stand-ins for the device's unit tests: a container as the engine lists it, a one-app target state.
import type { CurrentContainer } from '../../../simulator/device/planner.js';
import type { LocalState } from '../../../simulator/device/targetState.js';

export function container(over: Partial<CurrentContainer> = {}): CurrentContainer {
  return {
    id: 'old',
    name: 'x',
    appId: 1,
    serviceName: 'main',
    serviceId: 1,
    imageId: 1,
    commit: 'c1',
    hash: 'h-old',
    dockerImageId: 'sha256:old',
    state: 'running',
    startable: false,
    createdAt: '',
    ...over,
  };
}

/** App 1 at `commit`, with these services (name → image), all running. */
export function oneApp(commit: string, services: Record<string, string> = { main: 'local_main' }): LocalState {
  return {
    local: {
      name: 'd',
      config: {},
      apps: {
        '1': {
          name: 'app',
          commit,
          releaseId: 2,
          services: Object.fromEntries(Object.entries(services).map(([serviceName, image], i) => [String(i + 1), { serviceName, image }])),
          volumes: {},
          networks: {},
        },
      },
    },
  };
}
