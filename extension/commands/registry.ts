// Every command, registered in this one place.
import * as vscode from 'vscode';
import type { IDisposable } from '../lifecycle.js';
import type { Services } from '../services.js';
import { addDeviceCommand } from './addDevice.js';
import type { Command } from './command.js';
import { notYetAvailable } from './notYetAvailable.js';
import { openDashboardCommand } from './openDashboard.js';
import { pushCommand } from './push.js';
import { refreshCommand } from './refresh.js';
import { removeDeviceCommand } from './removeDevice.js';
import { restartServiceCommand } from './restartService.js';
import { showLogsCommand } from './showLogs.js';
import { startServiceCommand } from './startService.js';
import { startSimulatorCommand } from './startSimulator.js';
import { stopServiceCommand } from './stopService.js';
import { stopSimulatorCommand } from './stopSimulator.js';
import { toggleLivepushCommand } from './toggleLivepush.js';

export const commands: Command[] = [
  pushCommand,
  startSimulatorCommand,
  stopSimulatorCommand,
  notYetAvailable('edgepush.startBoard', 'Start QEMU Board', 7),
  notYetAvailable('edgepush.stopBoard', 'Stop QEMU Board', 7),
  addDeviceCommand,
  removeDeviceCommand,
  notYetAvailable('edgepush.scan', 'Scan Network', 4),
  showLogsCommand,
  openDashboardCommand,
  restartServiceCommand,
  stopServiceCommand,
  startServiceCommand,
  toggleLivepushCommand,
  refreshCommand,
];

export function registerCommands(services: Services): IDisposable[] {
  return commands.map((c) => vscode.commands.registerCommand(c.id, (...args: unknown[]) => c.run(services, ...args)));
}
