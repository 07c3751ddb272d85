// Activation only wires things together; every registration goes to context.subscriptions. The work is done by
// simulator/ (push, device); this folder is VS Code glue.
import { join } from 'node:path';
import * as vscode from 'vscode';
import { registerCommands } from './commands/registry.js';
import { DashboardModel } from './dashboard/dashboardModel.js';
import { DashboardPanel } from './dashboard/dashboardPanel.js';
import { DeviceMonitor } from './devices/deviceMonitor.js';
import { DeviceStore } from './devices/deviceStore.js';
import { LogPanels } from './logs/logPanels.js';
import { Livepush } from './push/livepush.js';
import { makeLivepushStarter } from './push/livepushStarter.js';
import { BuildLog } from './push/buildLog.js';
import { PushRunner } from './push/pushRunner.js';
import type { Services } from './services.js';
import { readSettings } from './settings.js';
import { SimulatorManager } from './simulators/simulatorManager.js';
import { StatusBar } from './statusBar.js';
import { Targets } from './targets.js';
import { DeviceTreeProvider } from './tree/deviceTreeProvider.js';
import { FleetTracker } from './fleets/fleetTracker.js';
import { loadWorkSoon } from './workLoader.js';
import type { RequestBody } from '../webview/protocol.js';

export function activate(context: vscode.ExtensionContext): Services {
  const subs = context.subscriptions;
  const add = <T extends vscode.Disposable | { dispose(): void }>(d: T): T => {
    subs.push(d);
    return d;
  };

  const store = add(new DeviceStore());
  const model = add(new DashboardModel());
  model.setLivepush(readSettings().livepush);
  const monitor = add(new DeviceMonitor(store));
  const simulators = add(
    new SimulatorManager(join(context.extensionPath, 'dist', 'cli.js'), context.globalStorageUri.fsPath, (address, code, output) => {
      if (!store.get(address)) return;
      store.update(address, { online: false, error: `agent exited (${code ?? 'signal'})` });
      void vscode.window.showWarningMessage(`EdgePush: the simulated device at ${address} stopped: ${output.trim().split('\n').slice(-1)[0] ?? ''}`);
    }),
  );
  const targets = add(new Targets(context, store, model));
  const webviewRequest = (address: string | undefined) => async (body: RequestBody) => {
    const arg = address ?? targets.current;
    if (body.method === 'push') await vscode.commands.executeCommand('edgepush.push', arg);
    else if (body.method === 'showLogs') await vscode.commands.executeCommand('edgepush.showLogs', arg);
    else if (body.method === 'toggleLivepush') await vscode.commands.executeCommand('edgepush.toggleLivepush');
    else if (body.method === 'restartService' && arg) await vscode.commands.executeCommand('edgepush.restartService', { address: arg, service: body.service });
  };
  const logs = add(new LogPanels(context.extensionUri, (address, body) => webviewRequest(address)(body)));
  const dashboard = add(new DashboardPanel(context.extensionUri, model, (body) => webviewRequest(undefined)(body)));
  const livepush = add(new Livepush(makeLivepushStarter(model, logs, monitor), (message) => void vscode.window.showWarningMessage(`EdgePush livepush: ${message}`)));
  const push = add(new PushRunner(model, store, monitor, logs, livepush, add(new BuildLog())));
  const fleets = add(new FleetTracker());
  const services: Services = { context, store, monitor, logs, dashboard, model, simulators, push, targets, fleets };

  const tree = add(new DeviceTreeProvider(store, fleets));
  const treeView = add(vscode.window.createTreeView('edgepush.devices', { treeDataProvider: tree, showCollapseAll: true }));
  // QEMU boards outlive the editor: list the ones still running once the view is first shown (this loads the
  // work bundle, so not during start-up unless the view is open).
  let boardsListed = false;
  const listBoards = () => {
    if (boardsListed) return;
    boardsListed = true;
    void loadWorkSoon().then(
      (work) => work.listBoards().filter((b) => b.running).forEach((b) => store.add(b.address, 'board', b.name)),
      () => undefined,
    );
  };
  if (treeView.visible) listBoards();
  else add(treeView.onDidChangeVisibility((e) => e.visible && listBoards()));
  // Fleets are read (and their devices asked) only while the tree is visible.
  fleets.setVisible(treeView.visible);
  add(treeView.onDidChangeVisibility((e) => fleets.setVisible(e.visible)));
  add(new StatusBar(model));
  for (const d of registerCommands(services)) add(d);
  add(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('edgepush.livepush')) model.setLivepush(readSettings().livepush);
    }),
  );
  return services;
}

export function deactivate(): void {}
