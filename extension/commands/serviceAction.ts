// Restart / Stop / Start Service: one supervisor call with a timeout, then the tree is refreshed.
import * as vscode from 'vscode';
import { messageOf } from '../../simulator/shared/errors.js';
import { clientFor } from '../devices/deviceAccess.js';
import type { Services } from '../services.js';
import { pickService } from './pickDevice.js';

const verbs = { restart: 'Restarting', stop: 'Stopping', start: 'Starting' } as const;

export async function runServiceAction(s: Services, action: keyof typeof verbs, arg: unknown): Promise<void> {
  const target = await pickService(s, arg);
  if (!target) return;
  const { address, service } = target;
  try {
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('{0} {1} on {2}', verbs[action], service, address) },
      () => clientFor(address).then((c) => c.serviceAction(action, service, { timeoutMs: 30_000 })),
    );
  } catch (err) {
    void vscode.window.showErrorMessage(vscode.l10n.t('EdgePush: {0} {1} on {2} failed: {3}', action, service, address, messageOf(err)));
  } finally {
    s.monitor.refresh(address);
  }
}
