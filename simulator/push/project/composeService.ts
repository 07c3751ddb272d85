// One compose service, checked and normalised the way balena's parser leaves it for the supervisor: long
// syntax turned into short syntax (ports, volumes, devices, depends_on), maps for environment/labels/sysctls,
// lists for dns/tmpfs, sizes in bytes, durations checked. Every problem names the key; the caller adds the file,
// line and service.
import * as z from 'zod';
import { parseBytes, parseDurationNs } from '../../shared/composeUnits.js';
import { toStringMap } from '../../shared/stringMap.js';
import {
  BUILD_KEYS,
  closestKey,
  isExtension,
  REFUSED_BUILD_KEYS,
  REFUSED_SERVICE_KEYS,
  SERVICE_KEYS,
  STRIPPED_SERVICE_KEYS,
} from './composeKeys.js';

/** A problem at a path inside the service (`['healthcheck', 'interval']`). */
export class ServiceProblem extends Error {
  constructor(
    readonly path: Array<string | number>,
    message: string,
  ) {
    super(message);
  }
}

export interface BuildSpec {
  context: string;
  dockerfile?: string;
  args: Record<string, string>;
  target?: string;
  cacheFrom?: string[];
  extraHosts?: string[];
  labels?: Record<string, string>;
  shmSize?: number;
}

export interface ComposeService {
  build?: BuildSpec;
  image?: string;
  environment: Record<string, string>;
  labels: Record<string, string>;
  dependsOn: string[];
  /** `env_file`/`label_file` paths, relative to the compose file; read by the loader. */
  envFiles: Array<{ path: string; required: boolean }>;
  labelFiles: string[];
  profiles: string[];
  /** Every other accepted key, normalised, as the target state carries it (snake_case, as the balena CLI sends). */
  keys: Record<string, unknown>;
}

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const stringMap = z.union([z.record(z.string(), scalar), z.array(z.string())]);
const stringOrList = z.union([z.string(), z.array(z.string())]);
const size = z.union([z.number(), z.string()]).refine((v) => parseBytes(v) !== undefined, 'expected a size such as 512m or 1g');
const duration = z
  .union([z.number(), z.string()])
  .refine((v) => parseDurationNs(v) !== undefined, 'expected a duration such as 30s or 1m30s');
const int = z.union([z.number().int(), z.string().regex(/^-?\d+$/)]).transform(Number);

const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

const portLong = z.looseObject({
  target: z.union([z.number(), z.string()]),
  published: z.union([z.number(), z.string()]).optional(),
  host_ip: z.string().optional(),
  protocol: z.string().optional(),
});
const volumeLong = z.looseObject({
  type: z.enum(['volume', 'bind', 'tmpfs', 'image', 'npipe', 'cluster']),
  source: z.string().optional(),
  target: z.string(),
  read_only: z.boolean().optional(),
  volume: z.looseObject({}).optional(),
  tmpfs: z.looseObject({}).optional(),
});
const deviceLong = z.object({ source: z.string(), target: z.string().optional(), permissions: z.string().optional() });
const fileRef = z.union([z.string(), z.object({ path: z.string(), required: z.boolean().optional() })]);

/** Host paths balena turns into `io.balena.features.*` labels instead of bind mounts (all paths of a label needed). */
const FEATURE_BINDS: Array<[string, string[]]> = [
  ['io.balena.features.balena-socket', ['/var/run/docker.sock']],
  ['io.balena.features.balena-socket', ['/var/run/balena-engine.sock']],
  ['io.balena.features.dbus', ['/run/dbus']],
  ['io.balena.features.sysfs', ['/sys']],
  ['io.balena.features.procfs', ['/proc']],
  ['io.balena.features.kernel-modules', ['/lib/modules']],
  ['io.balena.features.firmware', ['/lib/firmware']],
  ['io.balena.features.journal-logs', ['/var/log/journal', '/run/log/journal', '/etc/machine-id']],
];
const FEATURE_PATHS = new Set(FEATURE_BINDS.flatMap(([, p]) => p));

/** A short-syntax volume as compose-go reads it: a bind when the source is a path. */
function shortVolume(v: string): { type: 'volume' | 'bind'; source?: string; target: string; readOnly: boolean; raw: string } {
  const parts = v.split(':');
  if (parts.length === 1) return { type: 'volume', target: parts[0]!, readOnly: false, raw: v };
  const [source = '', target = '', mode = ''] = parts;
  const isPath = source.startsWith('/') || source.startsWith('.') || source.startsWith('~');
  return { type: isPath ? 'bind' : 'volume', source, target, readOnly: mode.split(',').includes('ro'), raw: v };
}

function parse<T extends z.ZodType>(schema: T, v: unknown, path: Array<string | number>): z.output<T> {
  const r = schema.safeParse(v);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new ServiceProblem([...path, ...(issue.path as Array<string | number>)], issue.message);
}

function normalizeVolumes(raw: unknown, labels: Record<string, string>, tmpfs: string[]): string[] {
  const items = parse(z.array(z.union([z.string(), volumeLong])), raw, ['volumes']);
  const long = items.map((v, i) => ({
    i,
    v: typeof v === 'string' ? shortVolume(v) : { ...v, readOnly: v.read_only ?? false, raw: undefined },
  }));
  for (const [label, paths] of FEATURE_BINDS) {
    if (paths.every((p) => long.some(({ v }) => v.source === p))) labels[label] = '1';
  }
  const out: string[] = [];
  for (const { i, v } of long) {
    if (v.source && FEATURE_PATHS.has(v.source)) continue;
    if (v.type === 'tmpfs') {
      if (v.tmpfs && Object.keys(v.tmpfs).length > 0)
        throw new ServiceProblem(['volumes', i], 'long syntax service.volumes options are not supported by balena');
      tmpfs.push(v.target);
      continue;
    }
    if (v.type !== 'volume') {
      throw new ServiceProblem(
        ['volumes', i],
        `service.volumes cannot be of type "${v.type}" on balena (bind mounts are refused; use a named volume, or an io.balena.features.* label for the host paths it allows)`,
      );
    }
    if ('volume' in v && v.volume && Object.keys(v.volume).length > 0)
      throw new ServiceProblem(['volumes', i], 'long syntax service.volumes options are not supported by balena');
    if (v.raw !== undefined) out.push(v.raw);
    else if (!v.source) throw new ServiceProblem(['volumes', i], 'service.volumes must specify source and target');
    else out.push(`${v.source}:${v.target}${v.readOnly ? ':ro' : ''}`);
  }
  return out;
}

function normalizePorts(raw: unknown, warn: (path: Array<string | number>, m: string) => void): string[] {
  const items = parse(z.array(z.union([z.string(), z.number(), portLong])), raw, ['ports']);
  return items.map((p, i) => {
    if (typeof p !== 'object') return String(p);
    for (const f of ['name', 'app_protocol', 'mode'])
      if (f in p) warn(['ports', i, f], `service.ports.${f} is not supported; removed from the composition (as balena does)`);
    const proto = p.protocol && p.protocol !== 'tcp' ? `/${p.protocol}` : '';
    return `${p.host_ip ? `${p.host_ip}:` : ''}${p.published !== undefined ? `${p.published}:` : ''}${p.target}${proto}`;
  });
}

function normalizeDependsOn(raw: unknown): string[] {
  const v = parse(
    z.union([
      z.array(z.string()),
      z.record(z.string(), z.looseObject({ condition: z.string().optional(), required: z.boolean().optional() }).nullable()),
    ]),
    raw,
    ['depends_on'],
  );
  if (Array.isArray(v)) return v;
  return Object.entries(v).flatMap(([dep, cfg]) => {
    if (cfg?.condition !== undefined && cfg.condition !== 'service_started') {
      throw new ServiceProblem(
        ['depends_on', dep, 'condition'],
        `depends_on condition '${cfg.condition}' is not supported by balena (only service_started)`,
      );
    }
    return cfg?.required === false ? [] : [dep];
  });
}

const healthcheckSchema = z.object({
  test: z.union([z.string(), z.array(z.string())]).optional(),
  interval: duration.optional(),
  timeout: duration.optional(),
  start_period: duration.optional(),
  start_interval: duration.optional(),
  retries: int.optional(),
  disable: z.boolean().optional(),
});

const ulimitsSchema = z.record(z.string(), z.union([int, z.object({ soft: int, hard: int })]));

const SECURITY_OPTS = [/^no-new-privileges([:=].*)?$/, /^apparmor[:=]unconfined$/, /^seccomp[:=]unconfined$/];

/** Simple keys: their schema, and how the value goes to the target state. */
const SIMPLE: Record<string, { schema: z.ZodType; to?: (v: never) => unknown }> = {
  command: { schema: stringOrList.nullable() },
  entrypoint: { schema: stringOrList.nullable() },
  // Any string, as balena's parser takes it; one the engine does not know is warned about below.
  restart: { schema: z.string() },
  privileged: { schema: z.boolean() },
  tty: { schema: z.boolean() },
  init: { schema: z.boolean() },
  read_only: { schema: z.boolean() },
  oom_kill_disable: { schema: z.boolean() },
  working_dir: { schema: z.string() },
  user: { schema: z.union([z.string(), z.number()]), to: (v: string | number) => String(v) },
  hostname: { schema: z.string() },
  domainname: { schema: z.string() },
  mac_address: { schema: z.string() },
  cgroup_parent: { schema: z.string() },
  cpuset: { schema: z.union([z.string(), z.number()]), to: (v: string | number) => String(v) },
  userns_mode: { schema: z.string() },
  uts: { schema: z.enum(['host']) },
  stop_signal: { schema: z.union([z.string(), z.number()]), to: (v: string | number) => String(v) },
  stop_grace_period: { schema: duration, to: (v: string | number) => String(typeof v === 'number' ? `${v}s` : v) },
  cap_add: { schema: z.array(z.string()) },
  cap_drop: { schema: z.array(z.string()) },
  dns: { schema: stringOrList, to: list },
  dns_search: { schema: stringOrList, to: list },
  dns_opt: { schema: z.array(z.string()) },
  tmpfs: { schema: stringOrList, to: list },
  group_add: { schema: z.array(z.union([z.string(), z.number()])), to: (v: Array<string | number>) => v.map(String) },
  device_cgroup_rules: { schema: z.array(z.string()) },
  mem_limit: { schema: size, to: (v: string | number) => parseBytes(v) },
  mem_reservation: { schema: size, to: (v: string | number) => parseBytes(v) },
  shm_size: { schema: size, to: (v: string | number) => parseBytes(v) },
  cpu_quota: { schema: int },
  cpu_shares: { schema: int },
  cpus: { schema: z.union([z.number(), z.string().regex(/^\d+(\.\d+)?$/)]), to: (v: string | number) => Number(v) },
  oom_score_adj: { schema: int.refine((n) => n >= -1000 && n <= 1000, 'expected a number from -1000 to 1000') },
  pids_limit: { schema: int.refine((n) => n >= 0, 'negative service.pids_limit is not supported by balena') },
  sysctls: { schema: stringMap, to: toStringMap },
  ulimits: {
    schema: ulimitsSchema,
    to: (v: z.output<typeof ulimitsSchema>) =>
      Object.fromEntries(Object.entries(v).map(([k, l]) => [k, typeof l === 'number' ? { soft: l, hard: l } : l])),
  },
  extra_hosts: {
    schema: z.union([z.array(z.string()), z.record(z.string(), z.union([z.string(), z.array(z.string())]))]),
    to: (v: string[] | Record<string, string | string[]>) =>
      Array.isArray(v) ? v.map((e) => e.replace('=', ':')) : Object.entries(v).flatMap(([h, ips]) => list(ips).map((ip) => `${h}:${ip}`)),
  },
  network_mode: { schema: z.string().refine((m) => !m.startsWith('container:'), 'network_mode container:<id> is not allowed by balena') },
  networks: {
    schema: z.union([
      z.array(z.string()),
      z.record(
        z.string(),
        z
          .looseObject({
            aliases: z.array(z.string()).optional(),
            ipv4_address: z.string().optional(),
            ipv6_address: z.string().optional(),
          })
          .nullable(),
      ),
    ]),
  },
  ipc: { schema: z.string().refine((m) => !m.startsWith('service:'), 'ipc service:<name> is not supported by balena') },
  pid: { schema: z.string().refine((m) => !m.startsWith('container:'), 'pid container:<id> is not allowed by balena') },
  security_opt: {
    schema: z
      .array(z.string())
      .refine(
        (opts) => opts.every((o) => SECURITY_OPTS.some((re) => re.test(o))),
        'only no-new-privileges and unconfined apparmor and seccomp are allowed by balena',
      ),
    to: (v: string[]) => v.map((o) => o.replace(':', '=')),
  },
  healthcheck: { schema: healthcheckSchema },
};

function normalizeBuild(raw: unknown): BuildSpec {
  if (typeof raw === 'string') return { context: raw, args: {} };
  const b = parse(z.record(z.string(), z.unknown()), raw, ['build']);
  for (const k of Object.keys(b)) {
    if (isExtension(k) || (BUILD_KEYS as readonly string[]).includes(k)) continue;
    if (k in REFUSED_BUILD_KEYS) throw new ServiceProblem(['build', k], `service.build.${k} is ${REFUSED_BUILD_KEYS[k]}`);
    const near = closestKey(k, BUILD_KEYS);
    throw new ServiceProblem(
      ['build', k],
      `unknown key build.${k}${near ? ` (did you mean build.${near}?)` : ''}; balena refuses compose files with unknown keys`,
    );
  }
  const o = parse(
    z.object({
      context: z.string().optional(),
      dockerfile: z.string().optional(),
      args: stringMap.optional(),
      target: z.string().optional(),
      cache_from: z.array(z.string()).optional(),
      extra_hosts: z.union([z.array(z.string()), z.record(z.string(), z.string())]).optional(),
      labels: stringMap.optional(),
      shm_size: size.optional(),
    }),
    Object.fromEntries(Object.entries(b).filter(([k]) => !isExtension(k))),
    ['build'],
  );
  const context = o.context ?? '.';
  if (/^(https?:\/\/|git@|github\.com\/)|\.git(#.*)?$/.test(context))
    throw new ServiceProblem(['build', 'context'], 'service.build.context cannot be a remote context on balena');
  return {
    context,
    dockerfile: o.dockerfile,
    args: toStringMap(o.args),
    target: o.target,
    cacheFrom: o.cache_from,
    extraHosts:
      o.extra_hosts === undefined
        ? undefined
        : Array.isArray(o.extra_hosts)
          ? o.extra_hosts.map((e) => e.replace('=', ':'))
          : Object.entries(o.extra_hosts).map(([h, ip]) => `${h}:${ip}`),
    labels: o.labels === undefined ? undefined : toStringMap(o.labels),
    shmSize: o.shm_size === undefined ? undefined : parseBytes(o.shm_size),
  };
}

const fileList = (raw: unknown, key: string) => {
  const v = parse(z.union([fileRef, z.array(fileRef)]), raw, [key]);
  return (Array.isArray(v) ? v : [v]).map((f) =>
    typeof f === 'string' ? { path: f, required: true } : { path: f.path, required: f.required ?? true },
  );
};

/** Checks and normalises one service; `warn` collects balena's warnings (stripped keys). */
export function normalizeService(raw: unknown, warn: (path: Array<string | number>, message: string) => void): ComposeService {
  const s = parse(z.record(z.string(), z.unknown()).nullable(), raw, []) ?? {};
  const out: ComposeService = { environment: {}, labels: {}, dependsOn: [], envFiles: [], labelFiles: [], profiles: [], keys: {} };
  const tmpfs: string[] = [];
  for (const [key, value] of Object.entries(s)) {
    if (isExtension(key)) continue;
    if (key in STRIPPED_SERVICE_KEYS) {
      warn([key], STRIPPED_SERVICE_KEYS[key]!);
      continue;
    }
    if (key in REFUSED_SERVICE_KEYS) throw new ServiceProblem([key], `service.${key} is ${REFUSED_SERVICE_KEYS[key]}`);
    if (!(SERVICE_KEYS as readonly string[]).includes(key)) {
      const near = closestKey(key);
      throw new ServiceProblem(
        [key],
        `unknown key '${key}'${near ? ` (did you mean '${near}'?)` : ''}; balena refuses compose files with unknown keys`,
      );
    }
    switch (key) {
      case 'build':
        out.build = normalizeBuild(value);
        break;
      case 'image':
        out.image = parse(z.string().min(1), value, [key]);
        break;
      case 'environment':
        out.environment = toStringMap(parse(stringMap, value, [key]));
        break;
      case 'labels':
        Object.assign(out.labels, toStringMap(parse(stringMap, value, [key])));
        break;
      case 'env_file':
        out.envFiles = fileList(value, key);
        break;
      case 'label_file':
        out.labelFiles = fileList(value, key).map((f) => f.path);
        break;
      case 'profiles':
        out.profiles = parse(z.array(z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/, 'not a valid profile name')), value, [key]);
        break;
      case 'depends_on':
        out.dependsOn = normalizeDependsOn(value);
        break;
      case 'ports':
        out.keys.ports = normalizePorts(value, warn);
        break;
      case 'volumes':
        out.keys.volumes = normalizeVolumes(value, out.labels, tmpfs);
        break;
      case 'devices': {
        const items = parse(z.array(z.union([z.string(), deviceLong])), value, [key]);
        out.keys.devices = items.map((d, i) => {
          if (typeof d === 'string') return d;
          if (!d.source.startsWith('/')) throw new ServiceProblem([key, i], 'devices config with CDI syntax is not allowed by balena');
          return `${d.source}:${d.target ?? d.source}:${d.permissions ?? 'rwm'}`;
        });
        break;
      }
      default: {
        const rule = SIMPLE[key];
        if (!rule) throw new ServiceProblem([key], `service.${key} is not handled`); // a key listed but not mapped: a bug
        const v = parse(rule.schema, value, [key]);
        if (v === null) break; // `entrypoint: null` keeps the image's own
        out.keys[key] = rule.to ? rule.to(v as never) : v;
      }
    }
  }
  if (tmpfs.length > 0) out.keys.tmpfs = [...((out.keys.tmpfs as string[] | undefined) ?? []), ...tmpfs];
  const restart = out.keys.restart as string | undefined;
  if (restart !== undefined && !/^(no|always|unless-stopped|on-failure(:\d+)?)$/.test(restart)) {
    warn(
      ['restart'],
      `restart policy '${restart}' is not one the engine knows (no, always, on-failure, unless-stopped): balena takes the file, but the container will not be created`,
    );
  }
  const adj = out.keys.oom_score_adj as number | undefined;
  if (adj !== undefined && adj <= -900)
    warn(['oom_score_adj'], 'service.oom_score_adj values under -900 may break device functionality (balena warns the same)');
  for (const name of Object.keys(out.labels)) {
    if (name.startsWith('io.balena.private'))
      warn(['labels', name], 'the "io.balena.private" namespace is reserved for balena system labels');
  }
  return out;
}
