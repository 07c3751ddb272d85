// EdgePush: Stop Simulated Device — stops the agent; its containers stop with it and it leaves the tree.
import * as vscode from 'vscode';
import type { Services } from '../services.js';
import type { Command } from './command.js';
import { pickDevice } from './pickDevice.js';

export const stopSimulatorCommand: Command = {
  id: 'edgepush.stopSimulator',
  async run(s: Services, arg?: unknown) {
    if (s.simulators.list().length === 0 && !arg) {
      void vscode.window.showInformationMessage(vscode.l10n.t('EdgePush: no simulated device is running.'));
      return;
    }
    const address = await pickDevice(s, arg, 'Stop which simulated device?', ['simulated']);
    if (!address) return;
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Stopping {0}', address) }, () =>
      s.simulators.stop(address),
    );
    s.logs.forget(address);
    s.store.remove(address);
  },
};
