// From a target service to Docker's container-create body, as a pure function. The config hash covers
// everything that shapes the container (compose keys, resolved image id, device env) so the planner can tell
// "same container" from "needs replacing" by one label.
import { createHash } from 'node:crypto';
import type { DeviceScope } from './scope.js';
import type { TargetService } from './targetState.js';
import { toStringMap } from '../shared/stringMap.js';
import { vetContainerBody, type ContainerPolicy } from './containerPolicy.js';
import { healthcheckOf, resourceHostConfig, stopTimeoutOf } from './composeHostConfig.js';
import { conflict } from '../shared/errors.js';

export const L = {
  app: 'io.balena.app-id',
  service: 'io.balena.service-name',
  serviceId: 'io.balena.service-id',
  imageId: 'io.edgepush.image-id',
  commit: 'io.edgepush.commit',
  releaseId: 'io.edgepush.release-id',
  hash: 'io.edgepush.config-hash',
  imageName: 'io.edgepush.image-name',
  supervised: 'io.balena.supervised',
} as const;

export interface DeviceEnv {
  uuid: string;
  name: string;
  deviceType: string;
  arch: string;
  supervisorAddress: string;
  apiKey?: string;
  /** Honour `privileged: true` (off by default: pushed code would get root on the developer's machine). */
  allowPrivileged: boolean;
  /** What containers may have (containerPolicy.ts); every create body goes through it. Default: privileged as
   *  `allowPrivileged` says, host binds only of the service's lock dir. */
  policy?: ContainerPolicy;
  /** Host directory of one service's lock dir, mounted at /tmp/balena and /tmp/resin. */
  lockDir(appId: number, service: string): string;
}

export interface ContainerPlanSpec {
  name: string;
  hash: string;
  body: Record<string, unknown>;
  /** Settings the device's policy took out of the body, one sentence each (logged when the container is made). */
  refused: string[];
}

const asList = (v: string | string[] | undefined): string[] | undefined =>
  v === undefined ? undefined : Array.isArray(v) ? v : splitCommand(v);

/** Compose's string form of command/entrypoint: split on whitespace, honouring simple quotes. */
export function splitCommand(s: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(s); m; m = re.exec(s)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}

function portBindings(ports: (string | number)[] | undefined): {
  exposed: Record<string, object>;
  bindings: Record<string, { HostIp: string; HostPort: string }[]>;
} {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of ports ?? []) {
    const [spec, proto = 'tcp'] = String(p).split('/');
    const parts = (spec ?? '').split(':');
    const container = parts.pop() ?? '';
    const host = parts.pop() ?? '';
    const ip = parts.pop() ?? '';
    const key = `${container}/${proto}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: ip, HostPort: host });
  }
  return { exposed, bindings };
}

function deviceEnvVars(s: TargetService, env: DeviceEnv): Record<string, string> {
  const base: Record<string, string> = {
    APP_ID: String(s.appId),
    APP_NAME: s.appName,
    SERVICE_NAME: s.serviceName,
    DEVICE_UUID: env.uuid,
    DEVICE_NAME_AT_INIT: env.name,
    DEVICE_TYPE: env.deviceType,
    DEVICE_ARCH: env.arch,
    HOST_OS_VERSION: 'balenaOS 6.0.0 (edgepush simulated)',
    SUPERVISOR_ADDRESS: env.supervisorAddress,
    SUPERVISOR_HOST: new URL(env.supervisorAddress).hostname,
    SUPERVISOR_PORT: new URL(env.supervisorAddress).port,
    SUPERVISOR_API_KEY: env.apiKey ?? '',
    SUPERVISOR_VERSION: '14.11.4',
    APP_LOCK_PATH: '/tmp/balena/updates.lock',
  };
  const out: Record<string, string> = { BALENA: '1', RESIN: '1', USE_CGROUP_V2: '0' };
  for (const [k, v] of Object.entries(base)) {
    out[`BALENA_${k}`] = v;
    out[`RESIN_${k}`] = v;
  }
  return out;
}

function volumeBinds(s: TargetService, scope: DeviceScope): { binds: string[]; anon: Record<string, object> } {
  const binds: string[] = [];
  const anon: Record<string, object> = {};
  for (const v of s.spec.volumes ?? []) {
    const parts = v.split(':');
    if (parts.length === 1) {
      anon[parts[0]!] = {};
      continue;
    }
    const [src = '', dst = '', mode] = parts;
    const source = src.startsWith('/') || src.startsWith('.') ? src : scope.volumeName(s.appId, src);
    binds.push(mode ? `${source}:${dst}:${mode}` : `${source}:${dst}`);
  }
  return { binds, anon };
}

export function networksOf(s: TargetService): string[] {
  if (s.spec.network_mode) return [];
  const n = s.spec.networks;
  const names = n === undefined ? [] : Array.isArray(n) ? n : Object.keys(n);
  return names.length > 0 ? names : ['default'];
}

/** `network_mode: service:<name>`: the service whose network this one joins, else undefined. */
export function networkServiceOf(s: TargetService): string | undefined {
  const m = /^service:\s*(.+)$/.exec(s.spec.network_mode ?? '');
  return m?.[1]?.trim();
}

/**
 * The services of the same app that must have their container before this one is created: `depends_on`, and
 * the service of `network_mode: service:<name>` (balena-supervisor adds that one to depends_on too).
 */
export function dependenciesOf(s: TargetService): string[] {
  const d = s.spec.depends_on;
  const named = d === undefined ? [] : Array.isArray(d) ? d : Object.keys(d);
  const net = networkServiceOf(s);
  return [...new Set([...named, ...(net ? [net] : [])])];
}

/**
 * `peers`: container ids of the other services of the app (their current target containers), by service name;
 * `network_mode: service:x` becomes `container:<id of x>` from it, as balena-supervisor does, so the hash changes
 * (and this container is replaced) when x's container is.
 */
export function containerSpec(
  s: TargetService,
  dockerImageId: string,
  scope: DeviceScope,
  env: DeviceEnv,
  peers: Readonly<Record<string, string>> = {},
): ContainerPlanSpec {
  const spec = s.spec;
  const environment = { ...deviceEnvVars(s, env), ...s.environment };
  const { binds, anon } = volumeBinds(s, scope);
  const lockDir = env.lockDir(s.appId, s.serviceName);
  binds.push(`${lockDir}:/tmp/balena`, `${lockDir}:/tmp/resin`);
  const hostMode = spec.network_mode === 'host';
  const ports = hostMode ? { exposed: {}, bindings: {} } : portBindings(spec.ports);
  for (const e of spec.expose ?? []) ports.exposed[String(e).includes('/') ? String(e) : `${e}/tcp`] = {};
  const nets = networksOf(s);
  let networkMode = spec.network_mode;
  const netService = networkServiceOf(s);
  if (netService) {
    const peer = peers[netService];
    if (!peer) throw conflict(`No container for network_mode: 'service: ${netService}'`);
    networkMode = `container:${peer}`;
  }
  const first = nets[0];
  const hostConfig: Record<string, unknown> = {
    Binds: binds,
    PortBindings: ports.bindings,
    NetworkMode: networkMode ?? (first ? scope.networkName(s.appId, first) : 'bridge'),
    Privileged: spec.privileged ?? false,
    RestartPolicy: { Name: spec.restart ?? 'always' },
    CapAdd: spec.cap_add,
    CapDrop: spec.cap_drop,
    Devices: spec.devices?.map((d) => {
      const [host = d, cont = host, perms = 'rwm'] = d.split(':');
      return { PathOnHost: host, PathInContainer: cont, CgroupPermissions: perms };
    }),
    ExtraHosts: spec.extra_hosts?.map((e) => e.replace('=', ':')),
    Dns: spec.dns === undefined ? undefined : Array.isArray(spec.dns) ? spec.dns : [spec.dns],
    Init: spec.init,
    ReadonlyRootfs: spec.read_only,
    Sysctls: spec.sysctls === undefined ? undefined : toStringMap(spec.sysctls),
    ...resourceHostConfig(spec),
  };
  const wanted: Record<string, unknown> = {
    Image: dockerImageId,
    Env: Object.entries(environment).map(([k, v]) => `${k}=${v}`),
    Cmd: asList(spec.command),
    Entrypoint: asList(spec.entrypoint),
    Tty: spec.tty ?? false,
    OpenStdin: spec.stdin_open ?? false,
    WorkingDir: spec.working_dir ?? spec.workingDir,
    User: spec.user,
    // A container that joins another's network namespace cannot set its own hostname (Docker refuses it).
    Hostname: hostMode || netService ? undefined : spec.hostname,
    Domainname: spec.domainname,
    MacAddress: spec.mac_address,
    StopSignal: spec.stop_signal,
    StopTimeout: stopTimeoutOf(spec.stop_grace_period),
    Healthcheck: healthcheckOf(spec.healthcheck),
    ExposedPorts: ports.exposed,
    Volumes: anon,
    HostConfig: hostConfig,
  };
  const policy = env.policy ?? { allowPrivileged: env.allowPrivileged, allowedHostRoots: [] };
  const { body: config, refused } = vetContainerBody(wanted, { ...policy, allowedHostRoots: [...policy.allowedHostRoots, lockDir] });
  const hash = createHash('sha256')
    .update(JSON.stringify({ config, strategy: s.strategy, commit: s.commit }))
    .digest('hex');
  const labels: Record<string, string> = {
    ...s.labels,
    ...scope.labels,
    [L.app]: String(s.appId),
    [L.service]: s.serviceName,
    [L.serviceId]: String(s.serviceId),
    [L.imageId]: String(s.imageId),
    [L.commit]: s.commit,
    [L.releaseId]: String(s.releaseId),
    [L.hash]: hash,
    [L.imageName]: s.image,
    [L.supervised]: '',
  };
  config.Labels = labels;
  if (!hostMode && first && !networkMode) {
    config.NetworkingConfig = {
      EndpointsConfig: { [scope.networkName(s.appId, first)]: { Aliases: [s.serviceName] } },
    };
  }
  return { name: scope.containerName(s.appId, s.serviceName, hash), hash, body: config, refused };
}
