// Activation only wires things together; every registration goes to context.subscriptions. The work is done by
// simulator/ (push, device); this folder is VS Code glue.
import * as vscode from 'vscode';
import { commandIds } from './commands/commandIds.js';
import { ContextKeys } from './contextKeys.js';
import { setAccessProvider } from './devices/deviceAccess.js';
import { DeviceEnv } from './devices/deviceEnv.js';
import { DeviceSecrets } from './devices/deviceSecrets.js';
import { putCliOnPath } from './terminal/cliOnPath.js';
import { DashboardModel } from './dashboard/dashboardModel.js';
import { DeviceMonitor } from './devices/deviceMonitor.js';
import { DeviceStore } from './devices/deviceStore.js';
import { loadOnDemand, onDemandServices } from './onDemandLoader.js';
import type { CoreServices, Services } from './services.js';
import { readSettings } from './settings.js';
import { StatusBar } from './statusBar.js';
import { Targets } from './targets.js';
import { DeviceTreeProvider } from './tree/deviceTreeProvider.js';
import { FleetTracker } from './fleets/fleetTracker.js';
import { loadWorkSoon } from './workLoader.js';

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
  const contextKeys = add(new ContextKeys(store));
  const model = add(new DashboardModel());
  model.setLivepush(readSettings().livepush);
  const monitor = add(new DeviceMonitor(store));
  const targets = add(new Targets(context, store));
  // The dashboard shows the target device's record: again when the target or any record changes.
  const showTarget = () => model.setTarget(targets.current ? store.get(targets.current) : undefined);
  add(targets.onDidChangeTarget(showTarget));
  add(store.onDidChange(showTarget));
  showTarget();
  const fleets = add(new FleetTracker());
  add(fleets.onDidChange(() => contextKeys.set('hasFleets', fleets.all().length > 0)));
  const core: CoreServices = { context, store, monitor, model, targets, fleets, secrets, env, contextKeys };
  // The panels, the push runner and the simulated devices, with every command's code, load on first use.
  const onDemand = onDemandServices(core, add);
  const services: Services = {
    ...core,
    get logs() {
      return onDemand().logs;
    },
    get dashboard() {
      return onDemand().dashboard;
    },
    get simulators() {
      return onDemand().simulators;
    },
    get push() {
      return onDemand().push;
    },
  };
  // Panels that were open come back after a window reload.
  add(
    vscode.window.registerWebviewPanelSerializer('edgepush.dashboard', {
      deserializeWebviewPanel: async (panel) => services.dashboard.adopt(panel),
    }),
  );
  add(
    vscode.window.registerWebviewPanelSerializer('edgepush.logs', {
      deserializeWebviewPanel: async (panel, state: unknown) => services.logs.restore(panel, state),
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
  for (const id of commandIds)
    add(
      vscode.commands.registerCommand(id, (...args: unknown[]) =>
        loadOnDemand()
          .commandById(id)
          .run(services, ...args),
      ),
    );
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
