// The target state a push posts: the device's current `name` and `config` echoed back unchanged, `local.apps`
// replaced by app 1 built from the project (services numbered 1..n in compose order, as the balena CLI does).
import { invalidInput } from '../shared/errors.js';
import type { Project } from './project/loadProject.js';
import type { TargetState } from './supervisorSchemas.js';

export const LOCAL_APP_NAME = 'localapp';

export function imageNameOf(service: string): string {
  return `local_image_${service.toLowerCase()}:latest`;
}

export interface EnvValues {
  all: Record<string, string>;
  perService: Record<string, Record<string, string>>;
}

/** `K=V` for every service, `svc:K=V` for one (as `balena push --env`); names are checked against the project. */
export function parseEnvArgs(args: readonly string[], serviceNames: readonly string[]): EnvValues {
  const out: EnvValues = { all: {}, perService: {} };
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw invalidInput(`--env '${arg}': expected K=V or service:K=V`);
    const left = arg.slice(0, eq);
    const value = arg.slice(eq + 1);
    const colon = left.indexOf(':');
    if (colon >= 0) {
      const svc = left.slice(0, colon);
      const key = left.slice(colon + 1);
      if (!serviceNames.includes(svc)) throw invalidInput(`--env '${arg}': unknown service '${svc}'`);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw invalidInput(`--env '${arg}': '${key}' is not a variable name`);
      (out.perService[svc] ??= {})[key] = value;
    } else {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(left)) throw invalidInput(`--env '${arg}': '${left}' is not a variable name`);
      out.all[left] = value;
    }
  }
  return out;
}

export function buildTargetState(current: TargetState, project: Project, release: string, env: EnvValues): TargetState {
  const services: Record<string, unknown> = {};
  project.services.forEach((s, i) => {
    const id = i + 1;
    // Every accepted compose key, normalised by the loader, goes to the device as the balena CLI sends it.
    const svc: Record<string, unknown> = {
      ...s.compose.keys,
      serviceName: s.name,
      image: imageNameOf(s.name),
      imageId: id,
      serviceId: id,
      running: true,
      environment: { ...s.compose.environment, ...env.all, ...(env.perService[s.name] ?? {}) },
      labels: s.compose.labels,
    };
    if (s.compose.dependsOn.length > 0) svc.depends_on = s.compose.dependsOn;
    services[String(id)] = svc;
  });
  const app = {
    name: LOCAL_APP_NAME,
    commit: release,
    releaseId: '1',
    services,
    volumes: project.volumes,
    networks: project.networks,
  };
  return { local: { ...current.local, name: current.local.name, config: current.local.config ?? {}, apps: { '1': app } } };
}
