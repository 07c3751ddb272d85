// EdgePush: Set API Key… — the API key a device wants on its supervisor calls (a device started with --api-key,
// or one outside local mode). Kept in SecretStorage; an empty answer removes it.
import * as vscode from 'vscode';
import type { Services } from '../services.js';
import type { Command } from './command.js';
import { pickDevice } from './pickDevice.js';

/** `host`, `host:port`, `[v6]:port`. */
export function validAddress(v: string): boolean {
  return /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+|[0-9a-fA-F:]+)(:\d{1,5})?$/.test(v.trim());
}

export const setApiKeyCommand: Command = {
  id: 'edgepush.setApiKey',
  async run(s: Services, arg?: unknown) {
    const address = await pickDevice(s, arg, vscode.l10n.t('API key of which device?'));
    if (!address) return;
    const had = await s.secrets.apiKey(address);
    const key = await vscode.window.showInputBox({
      title: vscode.l10n.t('API key of {0}', address),
      prompt: had
        ? vscode.l10n.t('A key is set; enter a new one, or leave empty to remove it')
        : vscode.l10n.t('Kept in the system keychain and sent as Authorization: Bearer on every call to the device'),
      password: true,
      ignoreFocusOut: true,
    });
    if (key === undefined) return;
    await s.secrets.setApiKey(address, key.trim() || undefined);
    s.monitor.refresh(address);
    void vscode.window.setStatusBarMessage(
      key.trim() ? vscode.l10n.t('EdgePush: API key of {0} saved', address) : vscode.l10n.t('EdgePush: API key of {0} removed', address),
      4000,
    );
  },
};
