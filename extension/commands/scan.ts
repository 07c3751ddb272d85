// EdgePush: Scan Network — finds local-mode devices announced over mDNS and lists them under Local Network.
import * as vscode from 'vscode';
import { messageOf } from '../../simulator/shared/errors.js';
import type { Services } from '../services.js';
import type { Command } from './command.js';
import { loadWorkSoon } from '../workLoader.js';

export const scanCommand: Command = {
  id: 'edgepush.scan',
  async run(s: Services) {
    try {
      const found = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: vscode.l10n.t('EdgePush: scanning the network for devices…'),
          cancellable: true,
        },
        async (_p, token) => {
          const abort = new AbortController();
          token.onCancellationRequested(() => abort.abort());
          const { discoverDevices } = await loadWorkSoon();
          return discoverDevices({ timeoutMs: 4000, signal: abort.signal });
        },
      );
      const fresh = found.filter((d) => d.source === 'mdns');
      for (const d of fresh) s.store.add(d.address, 'mdns', d.name);
      void vscode.window.showInformationMessage(
        fresh.length === 0
          ? 'EdgePush: no devices found on the network. Add one by address if mDNS is blocked.'
          : `EdgePush: found ${fresh.map((d) => `${d.name} (${d.address})`).join(', ')}.`,
      );
    } catch (err) {
      void vscode.window.showErrorMessage(vscode.l10n.t('EdgePush: scan failed: {0}', messageOf(err)));
    }
  },
};
