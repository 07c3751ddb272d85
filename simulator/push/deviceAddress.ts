// How a user names a device: `host` (supervisor on 48484), `host:port` (another supervisor port, e.g. the local
// end of an SSH tunnel), `[v6]` or `[v6]:port`. A bare IPv6 address without brackets takes the default port.
import { invalidInput } from '../shared/errors.js';

export const SUPERVISOR_PORT = 48484;
export const ENGINE_PORT = 2375;

export interface DeviceAddress {
  /** Host name or IP address, without brackets. */
  host: string;
  supervisorPort: number;
}

function port(text: string, whole: string): number {
  const n = Number(text);
  if (!/^\d{1,5}$/.test(text) || n < 1 || n > 65535) throw invalidInput(`'${whole}': the port must be a number from 1 to 65535`);
  return n;
}

export function parseDeviceAddress(text: string, defaultPort = SUPERVISOR_PORT): DeviceAddress {
  const s = text.trim();
  if (!s || /[/\s@?#]/.test(s)) throw invalidInput(`'${text}' is not a device address or host name`);
  const bracketed = /^\[([0-9a-fA-F:.]+)\](?::(.*))?$/.exec(s);
  if (bracketed) return { host: bracketed[1]!, supervisorPort: bracketed[2] !== undefined ? port(bracketed[2], s) : defaultPort };
  const colons = s.split(':').length - 1;
  if (colons === 0) return { host: s, supervisorPort: defaultPort };
  if (colons === 1) {
    const [host, p] = s.split(':') as [string, string];
    if (!host) throw invalidInput(`'${text}' has no host before the port`);
    return { host, supervisorPort: port(p, s) };
  }
  return { host: s, supervisorPort: defaultPort }; // a bare IPv6 address
}

/** The host as it goes in a URL (`[v6]` bracketed). */
export function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** `host` when on the default port, else `host:port`, as a user would type it. */
export function formatDeviceAddress(a: DeviceAddress): string {
  return a.supervisorPort === SUPERVISOR_PORT ? a.host : `${hostForUrl(a.host)}:${a.supervisorPort}`;
}
