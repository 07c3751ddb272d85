// Services that depend on others (`depends_on`, `network_mode: service:x`), as a pure function: a service is
// planned only once each service it depends on has the container of the current target, and its container
// then refers to theirs by id (`container:<id>`), as balena-supervisor resolves it. Its config hash includes
// those ids, so when a dependency's container is replaced, the dependent one is replaced after it.
import { dependenciesOf } from './containerSpec.js';
import type { CurrentContainer, PlannedService } from './planner.js';
import type { TargetService } from './targetState.js';

export interface ServiceImage {
  target: TargetService;
  /** Docker image id when present on the engine, else null. */
  dockerImageId: string | null;
}

export function resolveDependencies(
  services: readonly ServiceImage[],
  containers: readonly CurrentContainer[],
  hashOf: (s: TargetService, dockerImageId: string, peers: Record<string, string>) => string,
): PlannedService[] {
  const key = (appId: number, name: string) => `${appId}/${name}`;
  const known = new Set(services.map((s) => key(s.target.appId, s.target.serviceName)));
  const done = new Map<string, PlannedService>();
  // Each pass plans the services whose dependencies are planned; a cycle (which the compose loader refuses) waits.
  for (let pass = 0; pass <= services.length && done.size < services.length; pass++) {
    for (const { target: s, dockerImageId } of services) {
      const k = key(s.appId, s.serviceName);
      if (done.has(k)) continue;
      const deps = dependenciesOf(s).filter((d) => known.has(key(s.appId, d)));
      if (deps.some((d) => !done.has(key(s.appId, d)))) continue;
      const peers: Record<string, string> = {};
      let waitingFor: string | undefined;
      for (const d of deps) {
        const dep = done.get(key(s.appId, d))!;
        const current =
          dep.hash === null ? undefined : containers.find((c) => c.appId === s.appId && c.serviceName === d && c.hash === dep.hash);
        if (current) peers[d] = current.id;
        else waitingFor ??= d;
      }
      done.set(
        k,
        waitingFor !== undefined
          ? { target: s, dockerImageId, hash: null, waitingFor }
          : { target: s, dockerImageId, hash: dockerImageId ? hashOf(s, dockerImageId, peers) : null, peers },
      );
    }
  }
  return services.map(
    ({ target: s, dockerImageId }) =>
      done.get(key(s.appId, s.serviceName)) ?? { target: s, dockerImageId, hash: null, waitingFor: dependenciesOf(s)[0] ?? '' },
  );
}
