// mDNS announcement as balenaOS makes it: `_ssh._tcp` with subtype `resin-device`, port 22222, instance name
// = device name, no TXT records, on one interface (by name, e.g. docker0, or by IPv4 address).
import { networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import { Bonjour } from 'bonjour-service';
import { EdgePushError } from '../shared/errors.js';

export function interfaceAddress(iface: string): string {
  if (isIP(iface) === 4) return iface;
  const found = networkInterfaces()[iface]?.find((a) => a.family === 'IPv4');
  if (!found) throw new EdgePushError('invalid-input', `--announce: no IPv4 address on interface '${iface}'`);
  return found.address;
}

export function announceDevice(name: string, iface: string): { address: string; stop(): Promise<void> } {
  const address = interfaceAddress(iface);
  // bind 0.0.0.0: a socket bound to the unicast address never receives multicast queries on Linux (only its own
  // start-up announcements would be seen); membership stays on this interface only.
  const bonjour = new Bonjour({ interface: address, bind: '0.0.0.0' } as never, () => undefined);
  bonjour.publish({ name, host: `${name}.local`, type: 'ssh', port: 22222, subtypes: ['resin-device'], disableIPv6: true });
  return {
    address,
    stop: () =>
      new Promise<void>((resolve) => {
        bonjour.unpublishAll(() => bonjour.destroy(() => resolve()));
        setTimeout(resolve, 1500).unref();
      }),
  };
}
