// Save Logs: a log panel's lines, as text, to a file the user picks.
import * as vscode from 'vscode';

/** Save Logs: the panel's lines as text, to a file the user picks (the workspace folder by default). */
export async function saveLogs(address: string, text: string): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
  const name = `edgepush-${address.replace(/[^A-Za-z0-9.-]+/g, '_')}-${stamp}.log`;
  const uri = await vscode.window.showSaveDialog({
    title: vscode.l10n.t('Save the logs of {0}', address),
    defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
    filters: { [vscode.l10n.t('Log files')]: ['log', 'txt'] },
  });
  if (!uri) return;
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text.endsWith('\n') ? text : `${text}\n`));
  void vscode.window.setStatusBarMessage(
    vscode.l10n.t('EdgePush: saved {0} lines to {1}', String(text.split('\n').filter(Boolean).length), uri.fsPath),
    5000,
  );
}
