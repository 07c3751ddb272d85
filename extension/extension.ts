// Activation only wires things together; every registration goes to context.subscriptions.
import * as vscode from 'vscode';

const pending: Record<string, number> = {
  'edgepush.push': 4,
  'edgepush.startSimulator': 5,
  'edgepush.stopSimulator': 5,
  'edgepush.startBoard': 7,
  'edgepush.stopBoard': 7,
  'edgepush.addDevice': 5,
  'edgepush.removeDevice': 5,
  'edgepush.scan': 5,
  'edgepush.showLogs': 5,
  'edgepush.openDashboard': 5,
  'edgepush.restartService': 5,
  'edgepush.stopService': 5,
  'edgepush.startService': 5,
  'edgepush.toggleLivepush': 5,
  'edgepush.refresh': 5,
};

export function activate(context: vscode.ExtensionContext): void {
  for (const [id, issue] of Object.entries(pending)) {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, () =>
        vscode.window.showInformationMessage(`EdgePush: this command is not yet available (issue #${issue}).`),
      ),
    );
  }
}

export function deactivate(): void {}
