// EdgePush: Toggle Livepush — flips the `edgepush.livepush` setting; on: syncs saved files after the last push.
import * as vscode from 'vscode';
import type { Services } from '../services.js';
import { readSettings } from '../settings.js';
import type { Command } from './command.js';

export const toggleLivepushCommand: Command = {
  id: 'edgepush.toggleLivepush',
  async run(s: Services) {
    const on = !readSettings().livepush;
    // Change it where it is set: the workspace's own settings when it has a value there, else the user's.
    const config = vscode.workspace.getConfiguration('edgepush');
    const inWorkspace = config.inspect<boolean>('livepush')?.workspaceValue !== undefined;
    await config.update('livepush', on, inWorkspace ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global);
    s.model.setLivepush(on);
    if (!on) s.push.livepush.stop();
    else s.push.livepush.resume();
    void vscode.window.setStatusBarMessage(vscode.l10n.t('EdgePush: livepush {0}', on ? 'on' : 'off'), 3000);
  },
};
