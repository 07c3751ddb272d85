// The compose keys that shape a container's resources, isolation and lifecycle, mapped into Docker's create body
// the way balena-supervisor does it (src/compose/service.ts `toDockerContainer`): sizes in bytes, durations in
// nanoseconds (healthcheck) or seconds (stop grace period, default 10), shm 64 MiB by default, ulimits as
// {Name, Soft, Hard}, security options `key=value`. Faithful mapping only: whether a setting is allowed on this
// machine is the device's policy, decided on the final body, not here.
import { parseBytes, parseDurationNs } from '../shared/composeUnits.js';
import type { ServiceWire } from './targetState.js';

const DEFAULT_SHM = 64 * 1024 * 1024;

const list = (v: string | string[] | undefined) => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);
const bytes = (v: string | number | undefined) => (v === undefined ? undefined : parseBytes(v));
const ns = (v: string | number | undefined) => (v === undefined ? undefined : parseDurationNs(v));

/** Docker's `Healthcheck` from compose's; undefined leaves the image's own (balena overlays compose on it). */
export function healthcheckOf(h: ServiceWire['healthcheck']): Record<string, unknown> | undefined {
  if (!h) return undefined;
  if (h.disable) return { Test: ['NONE'] };
  const test = h.test === undefined ? undefined : typeof h.test === 'string' ? ['CMD-SHELL', h.test] : h.test;
  const out: Record<string, unknown> = {
    Test: test,
    Interval: ns(h.interval),
    Timeout: ns(h.timeout),
    StartPeriod: ns(h.start_period),
    StartInterval: ns(h.start_interval),
    Retries: h.retries,
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}

/** `/run:size=10m,mode=1777` → `{'/run': 'size=10m,mode=1777'}` (Docker's --tmpfs form). */
export function tmpfsOf(v: string | string[] | undefined): Record<string, string> | undefined {
  const items = list(v);
  if (!items) return undefined;
  return Object.fromEntries(
    items.map((t) => {
      const i = t.indexOf(':');
      return i < 0 ? [t, ''] : [t.slice(0, i), t.slice(i + 1)];
    }),
  );
}

export function ulimitsOf(u: ServiceWire['ulimits']): Array<{ Name: string; Soft: number; Hard: number }> | undefined {
  if (!u) return undefined;
  return Object.entries(u).map(([Name, l]) => (typeof l === 'number' ? { Name, Soft: l, Hard: l } : { Name, Soft: l.soft, Hard: l.hard }));
}

/** Seconds Docker waits after the stop signal before killing (`StopTimeout`). */
export function stopTimeoutOf(v: string | number | undefined): number {
  const n = ns(v);
  return n === undefined ? 10 : Math.round(n / 1e9);
}

/** The HostConfig fields of these keys (undefined ones are left out by JSON, so Docker's defaults stand). */
export function resourceHostConfig(spec: ServiceWire): Record<string, unknown> {
  return {
    ShmSize: bytes(spec.shm_size) ?? DEFAULT_SHM,
    Memory: bytes(spec.mem_limit),
    MemoryReservation: bytes(spec.mem_reservation),
    CpuShares: spec.cpu_shares,
    CpuQuota: spec.cpu_quota,
    NanoCpus: spec.cpus === undefined ? undefined : Math.round(Number(spec.cpus) * 1e9),
    CpusetCpus: spec.cpuset === undefined ? undefined : String(spec.cpuset),
    OomKillDisable: spec.oom_kill_disable,
    OomScoreAdj: spec.oom_score_adj,
    PidsLimit: spec.pids_limit,
    Ulimits: ulimitsOf(spec.ulimits),
    DnsOptions: spec.dns_opt,
    DnsSearch: list(spec.dns_search),
    GroupAdd: spec.group_add?.map(String),
    SecurityOpt: spec.security_opt?.map((o) => o.replace(':', '=')),
    PidMode: spec.pid,
    IpcMode: spec.ipc,
    UTSMode: spec.uts,
    UsernsMode: spec.userns_mode,
    CgroupParent: spec.cgroup_parent,
    DeviceCgroupRules: spec.device_cgroup_rules,
    Tmpfs: tmpfsOf(spec.tmpfs),
  };
}
