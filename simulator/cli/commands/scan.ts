import { flag, intOpt, listOpt, noExtraPositionals, UsageError, type CliCommand } from '../command.js';
import { browseInterfaces, discoverDevices, runningSimulatedDevices } from '../../push/discovery.js';
import type { DiscoveredDevice } from '../../push/types.js';

export function formatDevices(devices: DiscoveredDevice[]): string {
  if (devices.length === 0) return 'no devices found';
  const rows = [['name', 'address', 'local mode', 'engine', 'type', 'supervisor', 'found by']];
  for (const d of devices) {
    rows.push([
      d.name,
      d.address,
      d.localMode ? 'yes' : 'no',
      d.development ? 'dev' : '-',
      d.deviceType ? `${d.deviceType} (${d.arch})` : '-',
      d.supervisorVersion ?? '-',
      d.interface ? `${d.source} on ${d.interface}` : d.source,
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export const scanCommand: CliCommand = {
  usage: `edgepush scan [--timeout S] [--json] [--address ADDR]... [--interface IFACE]... [--no-simulated]

  --timeout S      listen for mDNS replies this many seconds (default 4; 0: no mDNS, only known addresses)
  --address ADDR   also probe this address (repeatable)
  --interface IF   browse only this interface (repeatable; default every non-internal IPv4 interface)
  --no-simulated   leave out the simulated devices running on this machine (listed by default)
  --json           print a JSON array of {address, name, source, interface?, localMode, development,
                   supervisorVersion?, deviceType?, arch?} on stdout
Browses _ssh._tcp (subtype resin-device) on every non-internal IPv4 interface, then probes 48484 and 2375.`,
  options: {
    timeout: { type: 'string' },
    json: { type: 'boolean' },
    address: { type: 'string', multiple: true },
    interface: { type: 'string', multiple: true },
    'no-simulated': { type: 'boolean' },
  },
  run: async (args) => {
    noExtraPositionals(args, 0);
    const seconds = intOpt(args, 'timeout', 4);
    const addresses = listOpt(args, 'address');
    const interfaces = listOpt(args, 'interface');
    const known = browseInterfaces(interfaces.length ? interfaces : undefined);
    for (const i of interfaces)
      if (!known.some((k) => k.name === i)) throw new UsageError(`--interface ${i}: no such interface with an IPv4 address`);
    if (seconds > 0) process.stderr.write(`scanning ${known.map((k) => k.name).join(', ') || 'no interface'} for ${seconds} s...\n`);
    const simulated = flag(args, 'no-simulated') ? [] : runningSimulatedDevices();
    const devices = await discoverDevices({
      timeoutMs: seconds * 1000,
      addresses,
      simulated,
      interfaces: interfaces.length ? interfaces : undefined,
    });
    process.stdout.write(flag(args, 'json') ? `${JSON.stringify(devices)}\n` : `${formatDevices(devices)}\n`);
    return 0;
  },
};
