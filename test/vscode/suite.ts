// Runs inside a desktop VS Code through @vscode/test-electron (scripts/test-vscode.mjs bundles this file): the
// extension under development activates, registers every command it declares, shows its view, and opens the
// dashboard webview. Failures are thrown, which makes VS Code exit non-zero.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

export async function run(): Promise<void> {
  const ext = vscode.extensions.getExtension('edgepush.edgepush');
  assert.ok(ext, 'the extension edgepush.edgepush is installed');
  await ext.activate();
  const declared = (ext.packageJSON as { contributes: { commands: { command: string }[] } }).contributes.commands.map((c) => c.command);
  const registered = new Set(await vscode.commands.getCommands(true));
  for (const id of declared) assert.ok(registered.has(id), `command ${id} is registered`);
  await vscode.commands.executeCommand('workbench.view.extension.edgepush');
  await vscode.commands.executeCommand('edgepush.openDashboard');
  const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => t.label));
  assert.ok(tabs.includes('EdgePush Dashboard'), `the dashboard tab is open (tabs: ${tabs.join(', ')})`);
  console.log(`desktop VS Code ${vscode.version}: ${declared.length} commands registered, dashboard opened`);
}
