// EdgePush: Add Device by Address — a balenaOS development device (local mode) or any EdgePush device by IP
// address or host name; kept across sessions. Resolves with the address.
import * as vscode from 'vscode';
import { clientFor } from '../devices/deviceAccess.js';
import type { Services } from '../services.js';
import type { Command } from './command.js';

export const addDeviceCommand: Command = {
  id: 'edgepush.addDevice',
  async run(s: Services): Promise<string | undefined> {
    const input = await vscode.window.showInputBox({
      title: 'Add Device by Address',
      prompt: 'IP address or host name of a device in local mode (supervisor on port 48484)',
      placeHolder: '192.168.1.42',
      validateInput: (v) => (/^[A-Za-z0-9.:[\]-]+$/.test(v.trim()) ? undefined : 'An IP address or a host name'),
    });
    if (!input) return undefined;
    const address = input.trim();
    await s.targets.addAddress(address);
    try {
      await (await clientFor(address)).ping();
    } catch {
      void vscode.window.showWarningMessage(`EdgePush: ${address} does not answer on port 48484 yet; it is listed as offline until it does (is local mode enabled?).`);
    }
    return address;
  },
};
