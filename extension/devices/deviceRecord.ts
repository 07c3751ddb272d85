// What the extension knows about one device: where it came from, whether it answers, what it runs.
// Plain data, no `vscode` import.

export type DeviceSource = 'mdns' | 'simulated' | 'board' | 'manual';

export interface ServiceRecord {
  name: string;
  /** Supervisor status: Running, Installing, Downloading, exited, Dead, Stopped... */
  status: string;
}

export interface DeviceRecord {
  /** The address is the identity: one record per address. */
  address: string;
  name: string;
  source: DeviceSource;
  /** undefined until the first probe answers or fails. */
  online?: boolean;
  deviceType?: string;
  arch?: string;
  supervisorVersion?: string;
  release?: string;
  /** Link rate as configured for a simulated device (e.g. `1mbit`). */
  linkRate?: string;
  /** Overall app state: applying / applied. */
  appState?: string;
  services: ServiceRecord[];
  /** Why the device is offline, for the tooltip. */
  error?: string;
  /** Boot progress of a QEMU board (kernel, init, engine, agent online). */
  bootPhase?: string;
}

export function newRecord(address: string, source: DeviceSource, name?: string, linkRate?: string): DeviceRecord {
  return { address, name: name ?? address, source, services: [], linkRate };
}
