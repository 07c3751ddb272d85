// EdgePush: Restart All Services — every service of the device's app (`POST /v2/applications/1/restart`).
import * as vscode from 'vscode';
import type { Services } from '../services.js';
import type { Command } from './command.js';
import { runDeviceAction } from './deviceAction.js';
import { pickDevice } from './pickDevice.js';

export const restartAllCommand: Command = {
  id: 'edgepush.restartAll',
  async run(s: Services, arg?: unknown) {
    const address = await pickDevice(s, arg, vscode.l10n.t('Restart the services of which device?'));
    if (!address) return false;
    return runDeviceAction(s, address, vscode.l10n.t('EdgePush: restarting the services of {0}', address), (c) => c.restartAll());
  },
};
