// The device tree as plain data: groups → devices → services, with labels, descriptions, icons and context
// values. deviceTreeProvider.ts turns these nodes into vscode.TreeItems; this file has no `vscode` import.
import type { DeviceRecord, DeviceSource, ServiceRecord } from '../devices/deviceRecord.js';
import { phaseOfServiceState } from '../../simulator/push/serviceState.js';

export interface IconSpec {
  id: string;
  /** A theme colour id, e.g. `charts.green`. */
  color?: string;
}

interface NodeBase {
  id: string;
  label: string;
  description?: string;
  tooltip?: string;
  icon?: IconSpec;
  contextValue?: string;
  collapsible: 'none' | 'collapsed' | 'expanded';
}

export interface GroupNode extends NodeBase {
  kind: 'group';
  source: DeviceSource;
}
export interface DeviceNode extends NodeBase {
  kind: 'device';
  address: string;
}
export interface ServiceNode extends NodeBase {
  kind: 'service';
  address: string;
  service: string;
}
/** A line of text under a device that runs nothing yet (keeps the device expandable from the start). */
export interface InfoNode extends NodeBase {
  kind: 'info';
  address: string;
}
export type TreeNode = GroupNode | DeviceNode | ServiceNode | InfoNode;

const GROUPS: { source: DeviceSource; label: string; icon: string }[] = [
  { source: 'mdns', label: 'Local Network', icon: 'broadcast' },
  { source: 'simulated', label: 'Simulated Devices', icon: 'vm' },
  { source: 'board', label: 'QEMU Boards', icon: 'server-process' },
  { source: 'manual', label: 'Added Addresses', icon: 'plug' },
];

/** Top level: one group per source that has devices; none at all when there are no devices (welcome view). */
export function rootNodes(devices: readonly DeviceRecord[]): GroupNode[] {
  return GROUPS.filter((g) => devices.some((d) => d.source === g.source)).map((g) => {
    const n = devices.filter((d) => d.source === g.source).length;
    return {
      kind: 'group',
      id: `group:${g.source}`,
      source: g.source,
      label: g.label,
      description: String(n),
      icon: { id: g.icon },
      contextValue: `group.${g.source}`,
      collapsible: 'expanded',
    };
  });
}

export function deviceNodes(devices: readonly DeviceRecord[], source: DeviceSource): DeviceNode[] {
  return devices
    .filter((d) => d.source === source)
    .sort((a, b) => a.address.localeCompare(b.address, undefined, { numeric: true }))
    .map(deviceNode);
}

const contextBySource: Record<DeviceSource, string> = {
  mdns: 'device.discovered',
  simulated: 'device.simulated',
  board: 'device.board',
  manual: 'device.added',
};

export function deviceNode(d: DeviceRecord): DeviceNode {
  const booting = d.bootPhase !== undefined && !d.online;
  const state = booting ? d.bootPhase : d.online === undefined ? 'connecting…' : d.online ? 'online' : 'offline';
  const type = d.online && d.deviceType ? (d.arch ? `${d.deviceType} (${d.arch})` : d.deviceType) : undefined;
  const parts = [d.name.includes(d.address) ? undefined : d.address, state, type].filter(Boolean);
  return {
    kind: 'device',
    id: `device:${d.address}`,
    address: d.address,
    label: d.name,
    description: parts.join(' · '),
    tooltip: deviceTooltip(d),
    icon: d.online
      ? { id: 'vm-active', color: 'charts.green' }
      : d.online === false && !booting
        ? { id: 'vm-outline', color: 'disabledForeground' }
        : { id: 'loading~spin' },
    contextValue: contextBySource[d.source],
    // Always expandable: a tree item that starts without children stays collapsed once it gets some.
    collapsible: 'expanded',
  };
}

export function deviceTooltip(d: DeviceRecord): string {
  const rows: [string, string | undefined][] = [
    ['Address', d.address],
    ['State', d.online === undefined ? 'connecting' : d.online ? 'online' : `offline${d.error ? ` (${d.error})` : ''}`],
    ['Device type', d.deviceType],
    ['Architecture', d.arch],
    ['Supervisor', d.supervisorVersion],
    ['Release', d.release],
    ['App state', d.appState],
    ['Link rate', d.linkRate || (d.source === 'simulated' ? 'unthrottled' : undefined)],
    ['Boot', d.bootPhase],
  ];
  return [d.name, ...rows.filter(([, v]) => v).map(([k, v]) => `${k}: ${v}`)].join('\n');
}

/** The services of a device, or one line saying why there are none. */
export function serviceNodes(d: DeviceRecord): (ServiceNode | InfoNode)[] {
  if (d.services.length > 0) return d.services.map((s) => serviceNode(d, s));
  if (d.bootPhase && !d.online) {
    return [
      {
        kind: 'info',
        id: `info:${d.address}`,
        address: d.address,
        label: `Booting: ${d.bootPhase}`,
        icon: { id: 'loading~spin' },
        collapsible: 'none',
      },
    ];
  }
  const label = d.online === false ? 'Not answering' : d.online === undefined ? 'Connecting…' : 'No services yet: push a project';
  return [{ kind: 'info', id: `info:${d.address}`, address: d.address, label, icon: { id: 'info' }, collapsible: 'none' }];
}

export function serviceNode(d: DeviceRecord, s: ServiceRecord): ServiceNode {
  const running = isRunning(s.status);
  return {
    kind: 'service',
    id: `service:${d.address}:${s.name}`,
    address: d.address,
    service: s.name,
    label: s.name,
    description: d.online === false ? `${s.status} (last known)` : s.status,
    tooltip: `${s.name} on ${d.name}: ${s.status}`,
    icon: serviceIcon(s.status),
    contextValue: running ? 'service.running' : 'service.stopped',
    collapsible: 'none',
  };
}

export function isRunning(status: string): boolean {
  return status.toLowerCase().startsWith('running');
}

/**
 * The icon for a supervisor service status: from its push phase (`phaseOfServiceState`, the one status → phase
 * mapping the CLI and the dashboard use too), so `Dead` is failed here as there; health decides for running ones.
 */
export function serviceIcon(status: string): IconSpec {
  const s = status.toLowerCase();
  if (s === 'running (unhealthy)') return { id: 'warning', color: 'charts.red' };
  if (s === 'running (health: starting)') return { id: 'sync~spin', color: 'charts.blue' };
  switch (phaseOfServiceState(status)) {
    case 'running':
      return { id: 'pass-filled', color: 'charts.green' };
    case 'shipping':
    case 'downloaded':
    case 'installing':
      return { id: 'sync~spin', color: 'charts.blue' };
    case 'exited':
      return { id: 'circle-slash', color: 'charts.yellow' };
    case 'failed':
      return { id: 'error', color: 'charts.red' };
    default:
      // States with no push phase: a paused container is stopped for now; one being removed is going away.
      if (s === 'paused') return { id: 'circle-slash', color: 'charts.yellow' };
      if (s === 'removing') return { id: 'error', color: 'charts.red' };
      return { id: 'circle-outline' };
  }
}
