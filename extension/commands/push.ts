// EdgePush: Push to Device — the project of this workspace to a target picked from the known devices (the
// workspace's last target first), or the device of the tree item it was run on.
import * as vscode from 'vscode';
import type { Services } from '../services.js';
import { readSettings } from '../settings.js';
import type { Command } from './command.js';
import { addressFromArg } from './commandArgs.js';
import { deviceItem } from './pickDevice.js';

type TargetItem = vscode.QuickPickItem & { address?: string; action?: 'simulate' | 'add' };

async function pickTarget(s: Services): Promise<string | undefined> {
  const last = s.targets.current;
  const devices = s.store
    .all()
    .sort((a, b) => Number(b.address === last) - Number(a.address === last) || Number(b.online === true) - Number(a.online === true));
  const items: TargetItem[] = devices.map((d) => {
    const item = deviceItem(d);
    return d.address === last ? { ...item, description: `${item.description} · last used` } : item;
  });
  if (items.length > 0) items.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
  items.push(
    { label: '$(vm-running) Start a Simulated Device…', action: 'simulate' },
    { label: '$(add) Add Device by Address…', action: 'add' },
  );
  const picked = await vscode.window.showQuickPick(items, { placeHolder: 'Push to which device?', matchOnDescription: true });
  if (!picked) return undefined;
  if (picked.action === 'simulate')
    return (await vscode.commands.executeCommand<string | undefined>('edgepush.startSimulator')) ?? undefined;
  if (picked.action === 'add') return (await vscode.commands.executeCommand<string | undefined>('edgepush.addDevice')) ?? undefined;
  return picked.address;
}

async function pickProject(): Promise<string | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) {
    void vscode.window.showErrorMessage(vscode.l10n.t('EdgePush: open a folder with a Dockerfile or docker-compose.yml first.'));
    return undefined;
  }
  if (folders.length === 1) return folders[0]!.uri.fsPath;
  const f = await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Which project to push?' });
  return f?.uri.fsPath;
}

/** Pushing runs the workspace's Dockerfile and build scripts: only in a trusted workspace. */
async function trusted(): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const manage = vscode.l10n.t('Manage Workspace Trust');
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t(
      "EdgePush: pushing builds and runs this workspace's code on a device, so it needs a trusted workspace. Devices and their logs work without trust.",
    ),
    manage,
  );
  if (choice === manage) await vscode.commands.executeCommand('workbench.trust.manage');
  return false;
}

export const pushCommand: Command = {
  id: 'edgepush.push',
  async run(s: Services, arg?: unknown) {
    if (!(await trusted())) return undefined;
    const projectDir = await pickProject();
    if (!projectDir) return undefined;
    const target = addressFromArg(arg) ?? (readSettings().defaultTarget || s.targets.pinned || (await pickTarget(s)));
    if (!target) return undefined;
    if (!s.store.get(target)) s.store.add(target, 'manual');
    await s.targets.remember(target);
    if (!s.dashboard.isOpen) s.dashboard.show(true);
    const report = await s.push.push(projectDir, target);
    if (report) s.contextKeys.set('pushSucceeded', true);
    return report;
  },
};
