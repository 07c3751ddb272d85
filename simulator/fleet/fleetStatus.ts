// `edgepush fleet status`: every device's release and service states, and the fleet summary the device tree
// shows (how many devices run each release, how many are in each state).
import { DeviceClient } from '../push/deviceClient.js';
import type { FleetRecord } from './fleetStore.js';
import { isDeviceProcess } from './fleetDevices.js';

export interface FleetDeviceStatus {
  address: string;
  name: string;
  online: boolean;
  release: string | null;
  appState: string | null;
  services: { name: string; status: string }[];
}

export interface FleetSummary {
  name: string;
  size: number;
  online: number;
  /** Release (commit, or "none") → devices running it. */
  releases: Record<string, number>;
  /** Device state (applied, applying, offline) → devices. */
  states: Record<string, number>;
}

export async function fleetStatus(f: FleetRecord): Promise<{ devices: FleetDeviceStatus[]; summary: FleetSummary }> {
  const devices = await Promise.all(
    f.devices.map(async (d): Promise<FleetDeviceStatus> => {
      const base = { address: d.address, name: d.name };
      if (!isDeviceProcess(d)) return { ...base, online: false, release: null, appState: null, services: [] };
      try {
        const s = await new DeviceClient(d.address, { timeoutMs: 5000 }).status();
        return {
          ...base,
          online: true,
          release: s.release ?? null,
          appState: s.appState,
          services: s.containers.map((c) => ({ name: c.serviceName, status: c.status })),
        };
      } catch {
        return { ...base, online: false, release: null, appState: null, services: [] };
      }
    }),
  );
  return { devices, summary: summarize(f.name, devices) };
}

export function summarize(name: string, devices: FleetDeviceStatus[]): FleetSummary {
  const releases: Record<string, number> = {};
  const states: Record<string, number> = {};
  for (const d of devices) {
    const r = d.release ?? 'none';
    releases[r] = (releases[r] ?? 0) + 1;
    const st = d.online ? (d.appState ?? 'unknown') : 'offline';
    states[st] = (states[st] ?? 0) + 1;
  }
  return { name, size: devices.length, online: devices.filter((d) => d.online).length, releases, states };
}
