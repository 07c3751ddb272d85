// The target state a push posts: the device's current `name` and `config` echoed back unchanged, `local.apps`
// replaced by app 1 built from the project (services numbered 1..n in compose order, as the balena CLI does).
import { invalidInput } from '../shared/errors.js';
import type { Project } from './project/loadProject.js';
import { toStringMap } from './project/compose.js';
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

const PASSED_THROUGH = [
  'ports',
  'volumes',
  'networks',
  'command',
  'entrypoint',
  'restart',
  'privileged',
  'network_mode',
  'depends_on',
  'tty',
  'working_dir',
  'user',
  'cap_add',
  'devices',
] as const;

export function buildTargetState(current: TargetState, project: Project, release: string, env: EnvValues): TargetState {
  const services: Record<string, unknown> = {};
  project.services.forEach((s, i) => {
    const id = i + 1;
    const svc: Record<string, unknown> = {
      serviceName: s.name,
      image: imageNameOf(s.name),
      imageId: id,
      serviceId: id,
      running: true,
      environment: { ...toStringMap(s.compose.environment), ...env.all, ...(env.perService[s.name] ?? {}) },
      labels: toStringMap(s.compose.labels),
    };
    for (const k of PASSED_THROUGH) if (s.compose[k] !== undefined) svc[k] = s.compose[k];
    services[String(id)] = svc;
  });
  const app = {
    name: LOCAL_APP_NAME,
    commit: release,
    releaseId: '1',
    services,
    volumes: Object.fromEntries(project.volumes.map((v) => [v, {}])),
    networks: Object.fromEntries(project.networks.map((n) => [n, {}])),
  };
  return { local: { ...current.local, name: current.local.name, config: current.local.config ?? {}, apps: { '1': app } } };
}
