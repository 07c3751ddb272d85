// EdgePush: Open Device Shell — the device's host OS over SSH on port 22222, as balenaOS development images have
// it (`ssh -p 22222 root@ADDR`). A simulated device has no host OS of its own (its services run on this machine's
// engine): it says so and offers a shell in one of its services instead.
import * as vscode from 'vscode';
import type { Services } from '../services.js';
import { HOST_SSH_PORT, sshAnswers } from '../../simulator/push/sshProbe.js';
import type { Command } from './command.js';
import { pickDevice } from './pickDevice.js';

export const openDeviceShellCommand: Command = {
  id: 'edgepush.openDeviceShell',
  async run(s: Services, arg?: unknown) {
    const address = await pickDevice(s, arg, vscode.l10n.t('Shell on which device?'));
    if (!address) return undefined;
    const device = s.store.get(address);
    const host = address.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    const shellInService = vscode.l10n.t('Open Shell in a Service');
    if (device?.source === 'simulated' || !(await sshAnswers(host))) {
      const why =
        device?.source === 'simulated'
          ? vscode.l10n.t(
              "A simulated device has no host OS to enter: its services run on this machine's Docker engine. A shell in a service works.",
            )
          : vscode.l10n.t(
              '{0} has no SSH server on port {1} (balenaOS development images have one). A shell in a service works through the engine.',
              address,
              HOST_SSH_PORT,
            );
      const choice = await vscode.window.showInformationMessage(`EdgePush: ${why}`, ...(device?.services.length ? [shellInService] : []));
      if (choice === shellInService) return vscode.commands.executeCommand('edgepush.openShell', { address });
      return undefined;
    }
    const terminal = vscode.window.createTerminal({
      name: vscode.l10n.t('{0} host OS', device?.name ?? address),
      shellPath: 'ssh',
      shellArgs: ['-p', String(HOST_SSH_PORT), '-o', 'StrictHostKeyChecking=accept-new', `root@${host}`],
      iconPath: new vscode.ThemeIcon('terminal-linux'),
    });
    terminal.show();
    return terminal;
  },
};
