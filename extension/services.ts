// Everything the commands reach. The core is made in activate(); the rest (panels, push runner, simulated devices)
// on first use, in the bundle of commands (onDemand.ts). Commands get this object and nothing else.
import type * as vscode from 'vscode';
import type { DashboardModel } from './dashboard/dashboardModel.js';
import type { DashboardPanel } from './dashboard/dashboardPanel.js';
import type { ContextKeys } from './contextKeys.js';
import type { DeviceEnv } from './devices/deviceEnv.js';
import type { DeviceMonitor } from './devices/deviceMonitor.js';
import type { DeviceSecrets } from './devices/deviceSecrets.js';
import type { DeviceStore } from './devices/deviceStore.js';
import type { FleetTracker } from './fleets/fleetTracker.js';
import type { LogPanels } from './logs/logPanels.js';
import type { PushRunner } from './push/pushRunner.js';
import type { SimulatorManager } from './simulators/simulatorManager.js';
import type { Targets } from './targets.js';

/** Made at activation: the device records and their probes, the targets, fleets, secrets and context keys. */
export interface CoreServices {
  context: vscode.ExtensionContext;
  store: DeviceStore;
  monitor: DeviceMonitor;
  model: DashboardModel;
  targets: Targets;
  fleets: FleetTracker;
  secrets: DeviceSecrets;
  env: DeviceEnv;
  contextKeys: ContextKeys;
}

/** Made when a command first runs or a panel is restored (onDemand.ts). */
export interface OnDemandServices {
  logs: LogPanels;
  dashboard: DashboardPanel;
  simulators: SimulatorManager;
  push: PushRunner;
}

export type Services = CoreServices & OnDemandServices;

/** Registers a disposable with the extension's subscriptions and returns it. */
export type AddDisposable = <T extends { dispose(): void }>(d: T) => T;
