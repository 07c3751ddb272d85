// EdgePush: Copy Container ID — the id of the service's container on the device, to the clipboard.
import * as vscode from 'vscode';
import { messageOf } from '../../simulator/shared/errors.js';
import { clientFor } from '../devices/deviceAccess.js';
import type { Services } from '../services.js';
import type { Command } from './command.js';
import { pickService } from './pickDevice.js';

export const copyContainerIdCommand: Command = {
  id: 'edgepush.copyContainerId',
  async run(s: Services, arg?: unknown) {
    const target = await pickService(s, arg);
    if (!target) return undefined;
    try {
      const id = await (await clientFor(target.address)).containerId(target.service);
      await vscode.env.clipboard.writeText(id);
      void vscode.window.setStatusBarMessage(
        vscode.l10n.t('EdgePush: copied the container id of {0} ({1})', target.service, id.slice(0, 12)),
        4000,
      );
      return id;
    } catch (err) {
      void vscode.window.showErrorMessage(vscode.l10n.t('EdgePush: no container id for {0}: {1}', target.service, messageOf(err)));
      return undefined;
    }
  },
};
