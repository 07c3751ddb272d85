import { flag, intOpt, noExtraPositionals, type CliCommand } from '../command.js';
import { discoverDevices } from '../../push/discovery.js';
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
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export const scanCommand: CliCommand = {
  name: 'scan',
  summary: 'find local-mode devices on the network',
  usage: `edgepush scan [--timeout S] [--json] [--address ADDR]...

  --timeout S      listen for mDNS replies this many seconds (default 4)
  --address ADDR   also probe this address (repeatable)
  --json           print a JSON array of {address, name, source, interface?, localMode, development,
                   supervisorVersion?, deviceType?, arch?} on stdout
Browses _ssh._tcp (subtype resin-device) on every non-internal IPv4 interface, then probes 48484 and 2375.`,
  options: { timeout: { type: 'string' }, json: { type: 'boolean' }, address: { type: 'string', multiple: true } },
  run: async (args) => {
    noExtraPositionals(args, 0);
    const seconds = intOpt(args, 'timeout', 4);
    const addresses = (args.values.address as string[] | undefined) ?? [];
    process.stderr.write(`scanning for ${seconds} s...\n`);
    const devices = await discoverDevices({ timeoutMs: seconds * 1000, addresses });
    process.stdout.write(flag(args, 'json') ? `${JSON.stringify(devices)}\n` : `${formatDevices(devices)}\n`);
    return 0;
  },
};
