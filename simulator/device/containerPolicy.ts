// What a simulated device lets a container have. A simulated device's "host" is the developer's machine, so
// pushed code must never reach its root: the policy vets the final Docker create body (whatever compose key or
// engine client produced it) and refuses every way out of the container: privileged mode, host bind mounts
// outside the device's data directory (also disguised as a local volume bound to a host path), devices, the
// capabilities that give root on the host, host namespaces, switched-off confinement (seccomp, AppArmor,
// SELinux, masked /proc paths), foreign cgroup parents and runtimes. With `--allow-privileged` everything
// passes, as on a real device. Pure: the caller decides whether a refusal strips the setting (reconciler,
// each logged) or refuses the request (engine endpoint, 403).
import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, resolve, sep } from 'node:path';
import { invalidInput } from '../shared/errors.js';

export interface ContainerPolicy {
  /** Everything passes (`--allow-privileged`). */
  allowPrivileged: boolean;
  /** Host directories a bind mount may come from (the device's data directory). */
  allowedHostRoots: string[];
  /** `network_mode: host` passes (a stock device, `--stock`: balenaOS allows it, and EdgePush's delta helper needs
   *  it to reach the engine port). The host's network is not root on it. */
  allowHostNetwork?: boolean;
}

export interface Vetted<T> {
  body: T;
  /** One sentence per refused setting, for the device log or the error answer. */
  refused: string[];
}

// Docker's default capabilities plus those that give no reach beyond the container.
const SAFE_CAPS = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'NET_RAW',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
  'IPC_LOCK',
  'SYS_NICE',
  'WAKE_ALARM',
  'BLOCK_SUSPEND',
  'LEASE',
]);

const capName = (c: string) => c.toUpperCase().replace(/^CAP_/, '');

/** True when `path` (following symlinks where they exist) lies inside one of `roots`. */
export function insideRoots(path: string, roots: readonly string[]): boolean {
  if (!isAbsolute(path)) return false;
  const real = realOf(resolve(path));
  return roots.some((r) => {
    const root = realOf(resolve(r));
    return real === root || real.startsWith(root.endsWith(sep) ? root : root + sep);
  });
}

/** The real path of the deepest existing ancestor, with the rest appended (a bind source may not exist yet). */
function realOf(p: string): string {
  let head = p;
  let tail = '';
  while (!existsSync(head)) {
    const up = dirname(head);
    if (up === head) return p;
    tail = head.slice(up.length).replace(/^\/+/, '') + (tail ? `/${tail}` : '');
    head = up;
  }
  try {
    const real = realpathSync(head);
    return tail ? resolve(real, tail) : real;
  } catch {
    return p;
  }
}

/** A bind source is a host path when it is absolute or relative; otherwise it names a volume. */
const isHostPath = (src: string) => src.startsWith('/') || src.startsWith('.') || src.startsWith('~') || src.includes('/');

function hostNamespace(mode: unknown): boolean {
  return typeof mode === 'string' && mode.toLowerCase() === 'host';
}

function unconfining(opt: string): boolean {
  const m = /^([a-z-]+)\s*[=:]\s*(.*)$/i.exec(opt.trim());
  if (!m) return false;
  const [key, value] = [m[1]!.toLowerCase(), m[2]!.trim().toLowerCase()];
  if (key === 'seccomp') return value !== 'builtin' && value !== 'default';
  if (key === 'apparmor') return value !== 'docker-default' && value !== 'default';
  if (key === 'label') return value === 'disable';
  if (key === 'systempaths') return value === 'unconfined';
  return false;
}

type Body = Record<string, unknown>;

/**
 * The engine (Go's encoding/json) matches field names case-insensitively, so `hostconfig` or `privileged`
 * would reach it unseen by a check of `HostConfig`: the keys the policy looks at are renamed to their
 * canonical spelling first, and a body that spells one twice is refused as ambiguous.
 */
function canonical(obj: unknown, names: readonly string[]): Body {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return {};
  const byLower = new Map(names.map((n) => [n.toLowerCase(), n]));
  const out: Body = {};
  for (const [k, v] of Object.entries(obj as Body)) {
    const name = byLower.get(k.toLowerCase()) ?? k;
    if (name in out) throw invalidInput(`ambiguous create body: '${name}' is given more than once (in different cases)`);
    out[name] = v;
  }
  return out;
}

const HOST_CONFIG_KEYS = [
  'Privileged',
  'Binds',
  'Mounts',
  'Devices',
  'DeviceRequests',
  'DeviceCgroupRules',
  'CapAdd',
  'Capabilities',
  'NetworkMode',
  'PidMode',
  'IpcMode',
  'UTSMode',
  'UsernsMode',
  'CgroupnsMode',
  'SecurityOpt',
  'MaskedPaths',
  'ReadonlyPaths',
  'CgroupParent',
  'Runtime',
] as const;

function canonicalMount(m: unknown): Body {
  const mount = canonical(m, ['Type', 'Source', 'VolumeOptions']);
  const vo = canonical(mount.VolumeOptions, ['DriverConfig']);
  const dc = canonical(vo.DriverConfig, ['Options']);
  if (mount.VolumeOptions !== undefined) mount.VolumeOptions = { ...vo, ...(vo.DriverConfig !== undefined ? { DriverConfig: dc } : {}) };
  return mount;
}

/** Vets a container create body (`POST /containers/create`): returns it with every refused setting removed. */
export function vetContainerBody<T extends Body>(input: T, policy: ContainerPolicy): Vetted<T> {
  if (policy.allowPrivileged) return { body: input, refused: [] };
  const refused: string[] = [];
  const body = canonical(input, ['HostConfig']);
  const hc = canonical(body.HostConfig, HOST_CONFIG_KEYS);
  if (Array.isArray(hc.Mounts)) hc.Mounts = hc.Mounts.map(canonicalMount);
  const hostOk = (src: string) => insideRoots(src, policy.allowedHostRoots);

  if (hc.Privileged === true) {
    refused.push('privileged mode');
    hc.Privileged = false;
  }
  if (Array.isArray(hc.Binds)) {
    hc.Binds = (hc.Binds as unknown[]).filter((b) => {
      const src = typeof b === 'string' ? b.split(':')[0]! : '';
      if (typeof b === 'string' && (!isHostPath(src) || hostOk(src))) return true;
      refused.push(`bind mount of host path '${src || String(b)}'`);
      return false;
    });
  }
  if (Array.isArray(hc.Mounts)) {
    hc.Mounts = (hc.Mounts as Body[]).filter((m) => {
      const type = String(m?.Type ?? 'volume');
      const src = String(m?.Source ?? '');
      if (type === 'bind' && hostOk(src)) return true;
      if (type === 'tmpfs') return true;
      if (type === 'volume' && !volumeBindsHost((m.VolumeOptions as Body | undefined)?.DriverConfig as Body | undefined, hostOk))
        return true;
      refused.push(type === 'volume' ? `volume '${src}' bound to a host path` : `${type} mount of '${src}'`);
      return false;
    });
  }
  for (const key of ['Devices', 'DeviceRequests', 'DeviceCgroupRules'] as const) {
    if (Array.isArray(hc[key]) && (hc[key] as unknown[]).length > 0) {
      refused.push(key === 'Devices' ? `host devices (${(hc[key] as Body[]).map((d) => String(d.PathOnHost ?? d)).join(', ')})` : `${key}`);
      delete hc[key];
    }
  }
  if (Array.isArray(hc.CapAdd)) {
    const caps = (hc.CapAdd as unknown[]).map(String);
    const bad = caps.filter((c) => !SAFE_CAPS.has(capName(c)));
    if (bad.length > 0) {
      refused.push(`capabilities ${bad.join(', ')}`);
      hc.CapAdd = caps.filter((c) => SAFE_CAPS.has(capName(c)));
    }
  }
  if (Array.isArray(hc.Capabilities)) {
    refused.push('a replaced capability set (Capabilities)');
    delete hc.Capabilities;
  }
  if (hostNamespace(hc.NetworkMode) && !policy.allowHostNetwork) {
    refused.push("the host's network namespace (network_mode: host)");
    hc.NetworkMode = 'bridge';
  }
  for (const [key, what] of [
    ['PidMode', 'pid'],
    ['IpcMode', 'ipc'],
    ['UTSMode', 'uts'],
    ['UsernsMode', 'userns_mode'],
    ['CgroupnsMode', 'cgroupns'],
  ] as const) {
    if (hostNamespace(hc[key])) {
      refused.push(`the host's ${what} namespace (${what}: host)`);
      delete hc[key];
    }
  }
  if (Array.isArray(hc.SecurityOpt)) {
    const opts = (hc.SecurityOpt as unknown[]).map(String);
    const bad = opts.filter(unconfining);
    if (bad.length > 0) {
      refused.push(`security options ${bad.join(', ')}`);
      hc.SecurityOpt = opts.filter((o) => !unconfining(o));
    }
  }
  for (const key of ['MaskedPaths', 'ReadonlyPaths'] as const) {
    if (hc[key] !== undefined && hc[key] !== null) {
      refused.push(`changed ${key}`);
      delete hc[key];
    }
  }
  if (typeof hc.CgroupParent === 'string' && hc.CgroupParent !== '') {
    refused.push(`cgroup parent '${hc.CgroupParent}'`);
    delete hc.CgroupParent;
  }
  if (typeof hc.Runtime === 'string' && hc.Runtime !== '' && hc.Runtime !== 'runc') {
    refused.push(`runtime '${hc.Runtime}'`);
    delete hc.Runtime;
  }
  if (body.HostConfig !== undefined || Object.keys(hc).length > 0) body.HostConfig = hc;
  return { body: body as T, refused };
}

/** A local volume whose driver options bind a host path (`type: none, o: bind, device: /`). */
function volumeBindsHost(driver: Body | undefined, hostOk: (p: string) => boolean): boolean {
  const opts = canonical(driver?.Options, ['device', 'o', 'type']);
  const device = typeof opts.device === 'string' ? opts.device : undefined;
  const o = typeof opts.o === 'string' ? opts.o : '';
  if (device === undefined) return false;
  if (/(^|,)bind(,|$)/.test(o) || device.startsWith('/')) return !hostOk(device);
  return false;
}

/** Vets a volume create body (`POST /volumes/create`): a local volume bound to a host path is refused. */
export function vetVolumeBody<T extends Body>(input: T, policy: ContainerPolicy): Vetted<T> {
  if (policy.allowPrivileged) return { body: input, refused: [] };
  const hostOk = (src: string) => insideRoots(src, policy.allowedHostRoots);
  const body = canonical(input, ['DriverOpts']);
  if (volumeBindsHost({ Options: body.DriverOpts }, hostOk)) {
    return {
      body: { ...body, DriverOpts: {} } as unknown as T,
      refused: [`volume bound to host path '${String(canonical(body.DriverOpts, ['device']).device)}'`],
    };
  }
  return { body: body as T, refused: [] };
}
