// Every command's implementation, in this one place (their ids are registered at activation: commandIds.ts).
import { addDeviceCommand } from './addDevice.js';
import type { Command } from './command.js';
import { copyContainerIdCommand } from './copyContainerId.js';
import { editEnvCommand } from './editEnv.js';
import { openDeviceShellCommand } from './openDeviceShell.js';
import { openInBrowserCommand } from './openInBrowser.js';
import { openShellCommand } from './openShell.js';
import { purgeDataCommand } from './purgeData.js';
import { rebootCommand } from './reboot.js';
import { restartAllCommand } from './restartAll.js';
import { setApiKeyCommand } from './setApiKey.js';
import { setAsTargetCommand } from './setAsTarget.js';
import { startSimulatorAtCommand } from './startSimulatorAt.js';
import { startSimulatorOfTypeCommand } from './startSimulatorOfType.js';
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
import { EdgePushError } from '../../simulator/shared/errors.js';

export const commands: Command[] = [
  pushCommand,
  startSimulatorCommand,
  startSimulatorAtCommand,
  startSimulatorOfTypeCommand,
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
  openShellCommand,
  openDeviceShellCommand,
  openInBrowserCommand,
  copyContainerIdCommand,
  restartAllCommand,
  rebootCommand,
  purgeDataCommand,
  setAsTargetCommand,
  editEnvCommand,
  setApiKeyCommand,
  toggleLivepushCommand,
  refreshCommand,
  pushToFleetCommand,
];

const byId = new Map(commands.map((c) => [c.id, c]));

export function commandById(id: string): Command {
  const c = byId.get(id);
  if (!c) throw new EdgePushError('internal', `EdgePush has no command ${id}`);
  return c;
}
