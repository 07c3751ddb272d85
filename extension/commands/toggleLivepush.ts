// EdgePush: Toggle Livepush — flips the `edgepush.livepush` setting; on: syncs saved files after the last push.
import * as vscode from 'vscode';
import type { Services } from '../services.js';
import { readSettings } from '../settings.js';
import type { Command } from './command.js';

export const toggleLivepushCommand: Command = {
  id: 'edgepush.toggleLivepush',
  async run(s: Services) {
    const on = !readSettings().livepush;
    const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await vscode.workspace.getConfiguration('edgepush').update('livepush', on, target);
    s.model.setLivepush(on);
    if (!on) s.push.livepush.stop();
    else s.push.livepush.resume();
    void vscode.window.setStatusBarMessage(`EdgePush: livepush ${on ? 'on' : 'off'}`, 3000);
  },
};
