// EdgePush: Reboot Device — a QEMU board really reboots (a power cycle of the VM: the same overlay boots again,
// the apps come back as after any reboot); any other device gets the supervisor's `POST /v1/reboot` (a balenaOS
// device reboots; a simulated device, which has no OS of its own, restarts its services).
import { join } from 'node:path';
import * as vscode from 'vscode';
import { messageOf } from '../../simulator/shared/errors.js';
import type { Services } from '../services.js';
import { loadWorkSoon } from '../workLoader.js';
import type { Command } from './command.js';
import { runDeviceAction } from './deviceAction.js';
import { pickDevice } from './pickDevice.js';

export const rebootCommand: Command = {
  id: 'edgepush.reboot',
  async run(s: Services, arg?: unknown) {
    const address = await pickDevice(s, arg, vscode.l10n.t('Reboot which device?'));
    if (!address) return false;
    const device = s.store.get(address);
    if (device?.source !== 'board') {
      return runDeviceAction(s, address, vscode.l10n.t('EdgePush: rebooting {0}', device?.name ?? address), (c) => c.reboot());
    }
    const name = device.name;
    s.store.update(address, { bootPhase: 'rebooting', online: false });
    try {
      const { powerCycleBoard } = await loadWorkSoon();
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('EdgePush: rebooting board {0}', name) },
        (progress) =>
          powerCycleBoard(
            name,
            { agentBundle: join(s.context.extensionPath, 'dist', 'agent.js') },
            {
              onPhase: (e) => {
                progress.report({ message: e.phase });
                if (s.store.get(address)) s.store.update(address, { bootPhase: e.phase === 'online' ? undefined : e.phase });
              },
            },
          ),
      );
      return true;
    } catch (err) {
      if (s.store.get(address)) s.store.update(address, { bootPhase: undefined, error: messageOf(err) });
      void vscode.window.showErrorMessage(vscode.l10n.t('EdgePush: the board {0} did not come back: {1}', name, messageOf(err)));
      return false;
    } finally {
      s.monitor.refresh(address);
    }
  },
};
