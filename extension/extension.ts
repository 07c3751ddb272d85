// Activation only wires things together; every registration goes to context.subscriptions. The work is done by
// simulator/ (push, device); this folder is VS Code glue.
import { join } from 'node:path';
import * as vscode from 'vscode';
import { registerCommands } from './commands/registry.js';
import { ContextKeys } from './contextKeys.js';
import { setAccessProvider } from './devices/deviceAccess.js';
import { DeviceEnv, toEnvArgs } from './devices/deviceEnv.js';
import { DeviceSecrets } from './devices/deviceSecrets.js';
import { putCliOnPath } from './terminal/cliOnPath.js';
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
import { dispatchRequest, webviewRequestHandlers, type RequestContext } from './webviews/webviewRequests.js';
import type { RequestBody } from '../webview/protocol.js';

export function activate(context: vscode.ExtensionContext): Services {
  const subs = context.subscriptions;
  const add = <T extends vscode.Disposable | { dispose(): void }>(d: T): T => {
    subs.push(d);
    return d;
  };

  const store = add(new DeviceStore());
  const secrets = add(new DeviceSecrets(context.secrets, context.globalState));
  setAccessProvider((address) => secrets.access(address));
  const env = new DeviceEnv(context.globalState);
  const envOf = (address: string) => toEnvArgs(env.of(address));
  const contextKeys = add(new ContextKeys(store));
  const model = add(new DashboardModel());
  model.setLivepush(readSettings().livepush);
  const monitor = add(new DeviceMonitor(store));
  const simulators = add(
    new SimulatorManager(join(context.extensionPath, 'dist', 'cli.js'), context.globalStorageUri.fsPath, (address, code, output) => {
      if (!store.get(address)) return;
      store.update(address, { online: false, error: `agent exited (${code})` });
      void vscode.window.showWarningMessage(
        vscode.l10n.t('EdgePush: the simulated device at {0} stopped: {1}', address, output.trim().split('\n').slice(-1)[0] ?? ''),
      );
    }),
  );
  const targets = add(new Targets(context, store, model));
  const onRequest = async (body: RequestBody, ctx: RequestContext): Promise<void> => {
    await dispatchRequest(webviewRequestHandlers, body, { ...ctx, address: ctx.address ?? targets.current });
  };
  const logs = add(new LogPanels(context.extensionUri, onRequest));
  const dashboard = add(new DashboardPanel(context.extensionUri, model, (body) => onRequest(body, { address: undefined })));
  const livepush = add(
    new Livepush(
      makeLivepushStarter(model, logs, monitor, envOf),
      (message) => void vscode.window.showWarningMessage(vscode.l10n.t('EdgePush livepush: {0}', message)),
    ),
  );
  const push = add(new PushRunner(model, store, monitor, logs, envOf, livepush, add(new BuildLog())));
  dashboard.onReportShown = () => contextKeys.set('reportShown', true);
  const fleets = add(new FleetTracker());
  add(fleets.onDidChange(() => contextKeys.set('hasFleets', fleets.all().length > 0)));
  const services: Services = {
    context,
    store,
    monitor,
    logs,
    dashboard,
    model,
    simulators,
    push,
    targets,
    fleets,
    secrets,
    env,
    contextKeys,
  };
  // Panels that were open come back after a window reload.
  add(
    vscode.window.registerWebviewPanelSerializer('edgepush.dashboard', {
      deserializeWebviewPanel: async (panel) => dashboard.adopt(panel),
    }),
  );
  add(
    vscode.window.registerWebviewPanelSerializer('edgepush.logs', {
      deserializeWebviewPanel: async (panel, state: unknown) => {
        const address =
          typeof state === 'object' && state && 'device' in state && typeof state.device === 'string' ? state.device : undefined;
        if (!address) return panel.dispose();
        logs.adopt(panel, address);
      },
    }),
  );

  const tree = add(new DeviceTreeProvider(store, fleets));
  const treeView = add(vscode.window.createTreeView('edgepush.devices', { treeDataProvider: tree, showCollapseAll: true }));
  // QEMU boards outlive the editor: list the ones still running once the view is first shown (this loads the
  // work bundle, so not during start-up unless the view is open).
  let boardsListed = false;
  const listBoards = () => {
    if (boardsListed) return;
    boardsListed = true;
    void loadWorkSoon().then(
      (work) =>
        work
          .listBoards()
          .filter((b) => b.running)
          .forEach((b) => store.add(b.address, 'board', b.name)),
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
      if (e.affectsConfiguration('edgepush.addTerminalPath'))
        void putCliOnPath(context, readSettings().addTerminalPath).catch(() => undefined);
    }),
  );
  // After activation: a small file write, off the start-up path.
  setImmediate(() => void putCliOnPath(context, readSettings().addTerminalPath).catch(() => undefined));
  return services;
}

export function deactivate(): void {}
