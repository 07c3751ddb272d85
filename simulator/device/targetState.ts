// The local-mode target state as the balena CLI posts it (`POST /v2/local/target-state`), validated with zod.
// Services keep every compose key they carry (passthrough) so nothing the CLI sends is lost, but the keys the
// reconciler acts on are typed here. `normalizeApps` turns the wire shape into the planner's input.
import * as z from 'zod';
import { toStringMap } from '../shared/stringMap.js';

const stringMap = z.record(z.string(), z.string());
const envSchema = z.union([z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])), z.array(z.string())]);
const stringOrList = z.union([z.string(), z.array(z.string())]);
const idLike = z.union([z.number().int(), z.string().regex(/^\d+$/)]);
const sizeLike = z.union([z.number(), z.string()]);
const intLike = z.union([
  z.number().int(),
  z
    .string()
    .regex(/^-?\d+$/)
    .transform(Number),
]);
const healthcheckSchema = z
  .object({
    test: stringOrList.optional(),
    interval: sizeLike.optional(),
    timeout: sizeLike.optional(),
    start_period: sizeLike.optional(),
    start_interval: sizeLike.optional(),
    retries: intLike.optional(),
    disable: z.boolean().optional(),
  })
  .passthrough();

/** The supervisor takes compose keys in camelCase too (it camel-cases them itself); we keep snake_case. */
const CAMEL_ALIASES: Record<string, string> = Object.fromEntries(
  [
    'network_mode',
    'stdin_open',
    'cap_add',
    'cap_drop',
    'extra_hosts',
    'read_only',
    'stop_signal',
    'stop_grace_period',
    'shm_size',
    'dns_opt',
    'dns_search',
    'group_add',
    'mac_address',
    'mem_limit',
    'mem_reservation',
    'oom_kill_disable',
    'oom_score_adj',
    'pids_limit',
    'security_opt',
    'userns_mode',
    'cgroup_parent',
    'cpu_quota',
    'cpu_shares',
    'device_cgroup_rules',
    'depends_on',
  ].map((k) => [k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()), k]),
);
const HEALTH_ALIASES: Record<string, string> = { startPeriod: 'start_period', startInterval: 'start_interval' };

function snakeKeys(v: unknown, aliases: Record<string, string>): unknown {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [aliases[k] && !(aliases[k] in v) ? aliases[k] : k, x]));
}

export const serviceSchema = z.preprocess(
  (v) => {
    const out = snakeKeys(v, CAMEL_ALIASES) as Record<string, unknown> | unknown;
    if (out && typeof out === 'object' && 'healthcheck' in out) {
      const o = out as Record<string, unknown>;
      return { ...o, healthcheck: snakeKeys(o.healthcheck, HEALTH_ALIASES) };
    }
    return out;
  },
  z
    .object({
      serviceName: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'invalid service name'),
      image: z.string().min(1).max(512),
      imageId: idLike.optional(),
      serviceId: idLike.optional(),
      running: z.boolean().optional(),
      environment: envSchema.optional(),
      labels: z.union([stringMap, z.array(z.string())]).optional(),
      command: stringOrList.optional(),
      entrypoint: stringOrList.optional(),
      ports: z.array(z.union([z.string(), z.number()])).optional(),
      expose: z.array(z.union([z.string(), z.number()])).optional(),
      volumes: z.array(z.string()).optional(),
      network_mode: z.string().optional(),
      depends_on: z.union([z.array(z.string()), z.record(z.string(), z.unknown())]).optional(),
      networks: z.union([z.array(z.string()), z.record(z.string(), z.unknown())]).optional(),
      privileged: z.boolean().optional(),
      restart: z.enum(['no', 'always', 'on-failure', 'unless-stopped']).optional(),
      tty: z.boolean().optional(),
      stdin_open: z.boolean().optional(),
      working_dir: z.string().optional(),
      workingDir: z.string().optional(),
      user: z.string().optional(),
      hostname: z.string().optional(),
      cap_add: z.array(z.string()).optional(),
      cap_drop: z.array(z.string()).optional(),
      devices: z.array(z.string()).optional(),
      extra_hosts: z.array(z.string()).optional(),
      dns: stringOrList.optional(),
      tmpfs: stringOrList.optional(),
      init: z.boolean().optional(),
      read_only: z.boolean().optional(),
      stop_signal: z.string().optional(),
      shm_size: sizeLike.optional(),
      sysctls: z.union([stringMap, z.array(z.string())]).optional(),
      stop_grace_period: sizeLike.optional(),
      dns_opt: z.array(z.string()).optional(),
      dns_search: stringOrList.optional(),
      domainname: z.string().optional(),
      mac_address: z.string().optional(),
      group_add: z.array(z.union([z.string(), z.number()])).optional(),
      healthcheck: healthcheckSchema.optional(),
      ipc: z.string().optional(),
      pid: z.string().optional(),
      uts: z.string().optional(),
      userns_mode: z.string().optional(),
      cgroup_parent: z.string().optional(),
      security_opt: z.array(z.string()).optional(),
      mem_limit: sizeLike.optional(),
      mem_reservation: sizeLike.optional(),
      cpu_quota: intLike.optional(),
      cpu_shares: intLike.optional(),
      cpus: z
        .union([
          z.number(),
          z
            .string()
            .regex(/^\d+(\.\d+)?$/)
            .transform(Number),
        ])
        .optional(),
      cpuset: z.union([z.string(), z.number()]).optional(),
      oom_kill_disable: z.boolean().optional(),
      oom_score_adj: intLike.optional(),
      pids_limit: intLike.optional(),
      ulimits: z.record(z.string(), z.union([intLike, z.object({ soft: intLike, hard: intLike })])).optional(),
      device_cgroup_rules: z.array(z.string()).optional(),
    })
    .passthrough(),
);

export const appSchema = z
  .object({
    name: z.string().optional(),
    commit: z.string().optional(),
    releaseId: idLike.optional(),
    services: z.record(z.string(), serviceSchema).default({}),
    volumes: z.record(z.string(), z.unknown()).default({}),
    networks: z.record(z.string(), z.unknown()).default({}),
  })
  .passthrough();

export const localStateSchema = z.object({
  local: z
    .object({
      name: z.string().optional(),
      config: z.record(z.string(), z.unknown()).optional(),
      apps: z.record(z.string().regex(/^\d+$/, 'app ids are numbers'), appSchema).default({}),
    })
    .passthrough(),
});

export type LocalState = z.infer<typeof localStateSchema>;
export type ServiceWire = z.infer<typeof serviceSchema>;
export type AppWire = z.infer<typeof appSchema>;

export type UpdateStrategy = 'download-then-kill' | 'kill-then-download' | 'delete-then-download' | 'hand-over';
const strategies: readonly UpdateStrategy[] = ['download-then-kill', 'kill-then-download', 'delete-then-download', 'hand-over'];

/** One service as the planner sees it. */
export interface TargetService {
  appId: number;
  appName: string;
  commit: string;
  releaseId: number;
  serviceName: string;
  serviceId: number;
  imageId: number;
  image: string;
  running: boolean;
  strategy: UpdateStrategy;
  handoverTimeoutMs: number;
  labels: Record<string, string>;
  environment: Record<string, string>;
  spec: ServiceWire;
}

export interface TargetApp {
  appId: number;
  name: string;
  commit: string;
  releaseId: number;
  services: TargetService[];
  volumes: string[];
  networks: string[];
}

export function envToMap(env: ServiceWire['environment']): Record<string, string> {
  if (env === undefined) return {};
  if (Array.isArray(env)) return toStringMap(env);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) out[k] = v === null ? '' : String(v);
  return out;
}

function strategyOf(labels: Record<string, string>): UpdateStrategy {
  const s = labels['io.balena.update.strategy'] ?? labels['io.resin.update.strategy'];
  return strategies.find((x) => x === s) ?? 'download-then-kill';
}

export function normalizeApps(state: LocalState): TargetApp[] {
  const apps: TargetApp[] = [];
  for (const [appKey, app] of Object.entries(state.local.apps)) {
    const appId = Number(appKey);
    const commit = app.commit ?? '';
    const releaseId = Number(app.releaseId ?? 0);
    const name = app.name ?? `app${appId}`;
    const services = Object.entries(app.services).map(([key, s]): TargetService => {
      const labels = toStringMap(s.labels);
      const timeout = Number(labels['io.balena.update.handover-timeout'] ?? labels['io.resin.update.handover-timeout']);
      return {
        appId,
        appName: name,
        commit,
        releaseId,
        serviceName: s.serviceName,
        serviceId: Number(s.serviceId ?? key),
        imageId: Number(s.imageId ?? key),
        image: s.image,
        running: s.running ?? true,
        strategy: strategyOf(labels),
        handoverTimeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : 60000,
        labels,
        environment: envToMap(s.environment),
        spec: s,
      };
    });
    apps.push({ appId, name, commit, releaseId, services, volumes: Object.keys(app.volumes), networks: Object.keys(app.networks) });
  }
  return apps;
}

/** Duplicate service names inside one app are a shape error the supervisor also refuses. */
export function checkUnique(apps: TargetApp[]): string | undefined {
  for (const app of apps) {
    const seen = new Set<string>();
    for (const s of app.services) {
      if (seen.has(s.serviceName)) return `duplicate service name '${s.serviceName}' in app ${app.appId}`;
      seen.add(s.serviceName);
    }
  }
  return undefined;
}
