// Every command, registered in this one place.
import * as vscode from 'vscode';
import type { IDisposable } from '../lifecycle.js';
import type { Services } from '../services.js';
import { addDeviceCommand } from './addDevice.js';
import type { Command } from './command.js';
import { openDashboardCommand } from './openDashboard.js';
import { pushCommand } from './push.js';
import { pushToFleetCommand } from './pushToFleet.js';
import { refreshCommand } from './refresh.js';
import { removeDeviceCommand } from './removeDevice.js';
import { restartServiceCommand } from './restartService.js';
import { scanCommand } from './scan.js';
import { showLogsCommand } from './showLogs.js';
import { startBoardCommand } from './startBoard.js';
import { startServiceCommand } from './startService.js';
import { startSimulatorCommand } from './startSimulator.js';
import { stopBoardCommand } from './stopBoard.js';
import { stopServiceCommand } from './stopService.js';
import { stopSimulatorCommand } from './stopSimulator.js';
import { toggleLivepushCommand } from './toggleLivepush.js';

export const commands: Command[] = [
  pushCommand,
  startSimulatorCommand,
  stopSimulatorCommand,
  startBoardCommand,
  stopBoardCommand,
  addDeviceCommand,
  removeDeviceCommand,
  scanCommand,
  showLogsCommand,
  openDashboardCommand,
  restartServiceCommand,
  stopServiceCommand,
  startServiceCommand,
  toggleLivepushCommand,
  refreshCommand,
  pushToFleetCommand,
];

export function registerCommands(services: Services): IDisposable[] {
  return commands.map((c) => vscode.commands.registerCommand(c.id, (...args: unknown[]) => c.run(services, ...args)));
}
