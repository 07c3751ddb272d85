// Finding local-mode devices: an mDNS browse for `_ssh._tcp` subtype `resin-device` (what balenaOS announces)
// on every non-internal IPv4 interface at once, then a probe of each replying address (supervisor :48484 →
// local mode, engine :2375 → development image); plus addresses the caller already knows (added by hand,
// simulated devices), probed the same way.
import { readdirSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { Bonjour, type Service } from 'bonjour-service';
import { DeviceClient } from './deviceClient.js';
import type { DiscoveredDevice } from './types.js';

export interface DiscoverOptions {
  /** How long to listen for mDNS replies (ms, default 4000); 0 = no mDNS browse, only the given addresses. */
  timeoutMs?: number;
  /** Addresses added by hand: probed and listed even when they do not answer. */
  addresses?: string[];
  /** Addresses of running simulated devices. */
  simulated?: string[];
  /** Browse only these interfaces (names); default every non-internal IPv4 interface. */
  interfaces?: string[];
  /** Timeout of each probe (ms, default 2000). */
  probeTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface BrowseInterface {
  name: string;
  address: string;
  netmask: string;
}

function ipv4ToInt(a: string): number {
  return a.split('.').reduce((n, part) => (n << 8) + (Number(part) & 255), 0) >>> 0;
}

/** The interface whose subnet holds `address` (where a reply came from), if any. */
export function interfaceFor(address: string, ifaces: readonly BrowseInterface[]): BrowseInterface | undefined {
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(address)) return undefined;
  const a = ipv4ToInt(address);
  return ifaces.find((i) => {
    const mask = ipv4ToInt(i.netmask);
    return (a & mask) === (ipv4ToInt(i.address) & mask);
  });
}

/** Non-internal IPv4 interfaces (what balena's `device detect` browses). */
export function browseInterfaces(only?: string[]): BrowseInterface[] {
  const out: BrowseInterface[] = [];
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (only && !only.includes(name)) continue;
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) out.push({ name, address: a.address, netmask: a.netmask });
  }
  return out;
}

/** `edgepush device --address A` in one process's argv → A. */
export function simulatedAddressOf(argv: readonly string[]): string | undefined {
  const i = argv.findIndex((a, k) => a === 'device' && k > 0 && /(^|\/)(cli\.js|edgepush)$/.test(argv[k - 1]!));
  if (i < 0) return undefined;
  const rest = argv.slice(i + 1);
  const flag = rest.findIndex((a) => a === '--address' || a.startsWith('--address='));
  if (flag < 0) return undefined;
  const v = rest[flag]!.includes('=') ? rest[flag]!.slice('--address='.length) : rest[flag + 1];
  return v && !v.startsWith('-') ? v : undefined;
}

/** Addresses of the simulated devices running on this machine (from /proc on Linux; none elsewhere). */
export function runningSimulatedDevices(): string[] {
  const out = new Set<string>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return [];
  }
  for (const pid of pids) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      const a = simulatedAddressOf(argv);
      if (a) out.add(a);
    } catch {
      /* gone or not ours */
    }
  }
  return [...out].sort();
}

/** Probes one address: local mode (supervisor /ping), development (engine /_ping), version and device type. */
export async function probeDevice(
  address: string,
  opts: { name?: string; source?: DiscoveredDevice['source']; interface?: string; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<DiscoveredDevice> {
  const client = new DeviceClient(address, { timeoutMs: opts.timeoutMs ?? 2000 });
  const call = { signal: opts.signal };
  const [localMode, development] = await Promise.all([
    client.ping(call).then(
      () => true,
      () => false,
    ),
    client.engineAnswers(call),
  ]);
  const d: DiscoveredDevice = {
    address,
    name: opts.name ?? address,
    source: opts.source ?? 'manual',
    ...(opts.interface ? { interface: opts.interface } : {}),
    localMode,
    development,
  };
  if (localMode) {
    const [version, info, name] = await Promise.all([
      client.version(call).catch(() => undefined),
      client.deviceInfo(call).catch(() => undefined),
      opts.name ? undefined : client.deviceName(call).catch(() => undefined),
    ]);
    if (name) d.name = name;
    if (version) d.supervisorVersion = version;
    if (info) {
      d.deviceType = info.deviceType;
      d.arch = info.arch;
    }
  }
  return d;
}

interface Found {
  name: string;
  addresses: string[];
  iface: string;
}

function candidates(s: Service, fallback: string | undefined): string[] {
  const v4 = (s.addresses ?? []).filter((a) => /^\d+\.\d+\.\d+\.\d+$/.test(a));
  const ref = s.referer?.address;
  return [...new Set([...(ref ? [ref] : []), ...v4, ...(fallback ? [fallback] : [])])];
}

/** Browses every interface at once for `timeoutMs`; returns the services found (by instance name). */
export async function browseResinDevices(ifaces: BrowseInterface[], timeoutMs: number, signal?: AbortSignal): Promise<Found[]> {
  const found = new Map<string, Found>();
  const instances = ifaces.map((iface) => {
    const bonjour = new Bonjour({ interface: iface.address, bind: '0.0.0.0' } as never, () => undefined);
    const browser = bonjour.find({ type: 'ssh', subtypes: ['resin-device'] }, (s) => {
      const prev = found.get(s.name);
      const addresses = candidates(s, undefined);
      const on = interfaceFor(s.referer?.address ?? addresses[0] ?? '', ifaces)?.name ?? iface.name;
      found.set(s.name, { name: s.name, addresses: [...new Set([...(prev?.addresses ?? []), ...addresses])], iface: prev?.iface ?? on });
    });
    return { bonjour, browser };
  });
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, timeoutMs);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
  await Promise.all(
    instances.map(
      ({ bonjour, browser }) =>
        new Promise<void>((resolve) => {
          browser.stop();
          bonjour.destroy(() => resolve());
          setTimeout(resolve, 500).unref();
        }),
    ),
  );
  return [...found.values()];
}

/** Every device found by mDNS or given, probed; local-mode devices first, then by name. */
export async function discoverDevices(opts: DiscoverOptions = {}): Promise<DiscoveredDevice[]> {
  const probeTimeoutMs = opts.probeTimeoutMs ?? 2000;
  const ifaces = browseInterfaces(opts.interfaces);
  const [found, given] = await Promise.all([
    ifaces.length > 0 && (opts.timeoutMs ?? 4000) > 0
      ? browseResinDevices(ifaces, opts.timeoutMs ?? 4000, opts.signal)
      : Promise.resolve([]),
    Promise.all([
      ...(opts.addresses ?? []).map((a) => probeDevice(a, { source: 'manual', timeoutMs: probeTimeoutMs, signal: opts.signal })),
      ...(opts.simulated ?? []).map((a) => probeDevice(a, { source: 'simulated', timeoutMs: probeTimeoutMs, signal: opts.signal })),
    ]),
  ]);
  const mdns = await Promise.all(
    found.map(async (f) => {
      // The first candidate address whose supervisor or engine answers is the device's.
      let best: DiscoveredDevice | undefined;
      for (const address of f.addresses) {
        const d = await probeDevice(address, {
          name: f.name,
          source: 'mdns',
          interface: f.iface,
          timeoutMs: probeTimeoutMs,
          signal: opts.signal,
        });
        if (d.localMode || d.development) return d;
        best ??= d;
      }
      return (
        best ?? {
          address: f.addresses[0] ?? '',
          name: f.name,
          source: 'mdns' as const,
          interface: f.iface,
          localMode: false,
          development: false,
        }
      );
    }),
  );
  const byAddress = new Map<string, DiscoveredDevice>();
  for (const d of [...given, ...mdns]) if (!byAddress.has(d.address) || d.source === 'mdns') byAddress.set(d.address, d);
  return [...byAddress.values()].sort((a, b) => Number(b.localMode) - Number(a.localMode) || a.name.localeCompare(b.name));
}
