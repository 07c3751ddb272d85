// EdgePush: Purge Data… — after a modal confirmation, the device deletes its app's volumes and starts the
// services again on empty ones (`POST /v2/applications/1/purge`), as balena's Purge Data does.
import * as vscode from 'vscode';
import type { Services } from '../services.js';
import type { Command } from './command.js';
import { runDeviceAction } from './deviceAction.js';
import { pickDevice } from './pickDevice.js';

export const purgeDataCommand: Command = {
  id: 'edgepush.purgeData',
  async run(s: Services, arg?: unknown, options?: { confirmed?: boolean }) {
    const address = await pickDevice(s, arg, vscode.l10n.t('Purge the data of which device?'));
    if (!address) return false;
    const name = s.store.get(address)?.name ?? address;
    const purge = vscode.l10n.t('Purge Data');
    if (options?.confirmed !== true) {
      const ok = await vscode.window.showWarningMessage(
        vscode.l10n.t('Delete all data in the volumes of the app on {0}?', name),
        {
          modal: true,
          detail: vscode.l10n.t(
            'Its services are stopped, their named volumes deleted, and the services started again with empty volumes. This cannot be undone.',
          ),
        },
        purge,
      );
      if (ok !== purge) return false;
    }
    return runDeviceAction(s, address, vscode.l10n.t('EdgePush: purging the data of {0}', name), (c) => c.purge());
  },
};
