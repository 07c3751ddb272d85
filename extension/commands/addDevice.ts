// EdgePush: Add Device by Address — a balenaOS development device (local mode) or any EdgePush device by IP
// address or host name, with the supervisor's port when it is not 48484 (`host:port`, e.g. the local end of an
// SSH tunnel), and its API key when it has one (kept in SecretStorage); kept across sessions. Resolves with the
// address.
import * as vscode from 'vscode';
import { clientFor } from '../devices/deviceAccess.js';
import type { Services } from '../services.js';
import type { Command } from './command.js';
import { validAddress } from './setApiKey.js';
import { messageOf } from '../../simulator/shared/errors.js';

export const addDeviceCommand: Command = {
  id: 'edgepush.addDevice',
  async run(s: Services): Promise<string | undefined> {
    const input = await vscode.window.showInputBox({
      title: vscode.l10n.t('Add Device by Address'),
      prompt: vscode.l10n.t(
        'IP address or host name of a device in local mode; host:port when its supervisor is not on port 48484 (an SSH tunnel)',
      ),
      placeHolder: '192.168.1.42',
      validateInput: (v) => (validAddress(v) ? undefined : vscode.l10n.t('An IP address or host name, optionally with :port')),
    });
    if (!input) return undefined;
    const address = input.trim();
    const key = await vscode.window.showInputBox({
      title: vscode.l10n.t('API key of {0} (optional)', address),
      prompt: vscode.l10n.t(
        'Leave empty for a device in local mode; a device started with --api-key needs its key. Kept in the system keychain.',
      ),
      password: true,
      ignoreFocusOut: true,
    });
    if (key === undefined) return undefined;
    if (key.trim()) await s.secrets.setApiKey(address, key.trim());
    // A supervisor on another port is usually a tunnel: the engine's port 2375 needs one of its own.
    if (/:\d+$/.test(address)) {
      const port = await vscode.window.showInputBox({
        title: vscode.l10n.t('Engine port of {0}', address),
        prompt: vscode.l10n.t(
          "The local port that reaches the device's engine (its port 2375), e.g. the other end of ssh -L 12375:localhost:2375",
        ),
        value: '2375',
        ignoreFocusOut: true,
        validateInput: (v) =>
          /^\d{1,5}$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 65535 ? undefined : vscode.l10n.t('A port number'),
      });
      if (port === undefined) return undefined;
      await s.secrets.setEnginePort(address, Number(port.trim()));
    }
    await s.targets.addAddress(address);
    try {
      await (await clientFor(address)).version();
    } catch (err) {
      const why = messageOf(err);
      void vscode.window.showWarningMessage(
        vscode.l10n.t('EdgePush: {0} does not answer yet ({1}); it is listed as offline until it does.', address, why),
      );
    }
    return address;
  },
};
