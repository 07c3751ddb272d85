// EdgePush: Stop QEMU Board — a clean power-off (ACPI through QMP, then quit/kill if the guest does not react).
import * as vscode from 'vscode';
import { messageOf } from '../../simulator/shared/errors.js';
import type { Services } from '../services.js';
import type { Command } from './command.js';
import { pickDevice } from './pickDevice.js';
import { loadWorkSoon } from '../workLoader.js';

export const stopBoardCommand: Command = {
  id: 'edgepush.stopBoard',
  async run(s: Services, arg?: unknown) {
    const address = await pickDevice(s, arg, 'Stop which board?', ['board']);
    if (!address) return;
    const name = s.store.get(address)?.name ?? address;
    try {
      const { stopBoard } = await loadWorkSoon();
      const r = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('EdgePush: powering off {0}', name) },
        () => stopBoard(name),
      );
      s.logs.forget(address);
      s.store.remove(address);
      void vscode.window.setStatusBarMessage(vscode.l10n.t('EdgePush: {0} stopped ({1}, {2} s)', name, r.how, r.seconds.toFixed(1)), 5000);
    } catch (err) {
      void vscode.window.showErrorMessage(vscode.l10n.t('EdgePush: could not stop {0}: {1}', name, messageOf(err)));
    }
  },
};
