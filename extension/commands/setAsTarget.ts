// EdgePush: Set as Push Target — Push to Device goes to this device from now on in this workspace (until
// another is chosen); the dashboard and the status bar show it.
import * as vscode from 'vscode';
import type { Services } from '../services.js';
import type { Command } from './command.js';
import { pickDevice } from './pickDevice.js';

export const setAsTargetCommand: Command = {
  id: 'edgepush.setAsTarget',
  async run(s: Services, arg?: unknown) {
    const address = await pickDevice(s, arg, vscode.l10n.t('Push to which device from now on?'));
    if (!address) return undefined;
    await s.targets.pin(address);
    void vscode.window.setStatusBarMessage(vscode.l10n.t('EdgePush: pushes go to {0}', s.store.get(address)?.name ?? address), 4000);
    return address;
  },
};
