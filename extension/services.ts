// Everything the commands reach, made once in activate(). Commands get this object and nothing else.
import type * as vscode from 'vscode';
import type { DashboardModel } from './dashboard/dashboardModel.js';
import type { DashboardPanel } from './dashboard/dashboardPanel.js';
import type { DeviceMonitor } from './devices/deviceMonitor.js';
import type { DeviceStore } from './devices/deviceStore.js';
import type { FleetTracker } from './fleets/fleetTracker.js';
import type { LogPanels } from './logs/logPanels.js';
import type { PushRunner } from './push/pushRunner.js';
import type { SimulatorManager } from './simulators/simulatorManager.js';
import type { Targets } from './targets.js';

export interface Services {
  context: vscode.ExtensionContext;
  store: DeviceStore;
  monitor: DeviceMonitor;
  logs: LogPanels;
  dashboard: DashboardPanel;
  model: DashboardModel;
  simulators: SimulatorManager;
  push: PushRunner;
  targets: Targets;
  fleets: FleetTracker;
}
