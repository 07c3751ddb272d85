// Fleets in the device tree, as plain data: one group per fleet with its summary (devices per release and per
// state), and under it its devices (release and state). No `vscode` import.
import type { IconSpec } from './treeModel.js';
import type { FleetView } from '../fleets/fleetTracker.js';

interface FleetNodeBase {
  id: string;
  label: string;
  description?: string;
  tooltip?: string;
  icon?: IconSpec;
  contextValue?: string;
  collapsible: 'none' | 'collapsed' | 'expanded';
}

export interface FleetNode extends FleetNodeBase {
  kind: 'fleet';
  fleet: string;
}
export interface FleetDeviceNode extends FleetNodeBase {
  kind: 'fleetDevice';
  fleet: string;
  address: string;
}
export type FleetTreeNode = FleetNode | FleetDeviceNode;

const short = (release: string) => (release === 'none' ? 'no release' : release.slice(0, 8));

/** `10 devices · 9× 3f2a1b0c, 1× no release · 10 applied`. */
export function fleetSummaryText(f: FleetView): string {
  const releases = Object.entries(f.summary.releases)
    .sort((a, b) => b[1] - a[1])
    .map(([r, n]) => `${n}× ${short(r)}`)
    .join(', ');
  const states = Object.entries(f.summary.states)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  return `${f.summary.size} devices · ${releases} · ${states}`;
}

export function fleetNodes(fleets: readonly FleetView[]): FleetNode[] {
  return fleets.map((f) => {
    const healthy = f.summary.online === f.summary.size && Object.keys(f.summary.releases).length === 1;
    return {
      kind: 'fleet',
      id: `fleet:${f.name}`,
      fleet: f.name,
      label: `Fleet ${f.name}`,
      description: fleetSummaryText(f),
      tooltip: [
        `Fleet ${f.name}`,
        `${f.summary.online}/${f.summary.size} devices online`,
        ...Object.entries(f.summary.releases).map(([r, n]) => `${n} on ${short(r)}`),
      ].join('\n'),
      icon: { id: 'layers', color: healthy ? 'charts.green' : f.summary.online < f.summary.size ? 'charts.yellow' : undefined },
      contextValue: 'fleet',
      collapsible: 'collapsed',
    };
  });
}

export function fleetDeviceNodes(f: FleetView): FleetDeviceNode[] {
  return f.devices.map((d) => {
    const services = d.services.map((s) => `${s.name}: ${s.status}`).join(', ');
    return {
      kind: 'fleetDevice',
      id: `fleet:${f.name}:${d.address}`,
      fleet: f.name,
      address: d.address,
      label: d.name,
      description: [d.address, d.online ? (d.appState ?? '') : 'offline', d.release ? short(d.release) : undefined, services || undefined]
        .filter(Boolean)
        .join(' · '),
      icon: !d.online
        ? { id: 'vm-outline', color: 'disabledForeground' }
        : d.services.every((s) => s.status === 'Running' || s.status === 'Running (healthy)')
          ? { id: 'vm-active', color: 'charts.green' }
          : { id: 'vm', color: 'charts.yellow' },
      contextValue: 'fleetDevice',
      collapsible: 'none',
    };
  });
}
