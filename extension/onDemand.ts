// What activation does not need of the extension's VS Code glue: every command's implementation, the log and
// dashboard panels, the push runner, livepush and the simulated devices. Bundled as dist/extensionCommands.js and
// loaded when a command first runs or a panel comes back (onDemandLoader.ts). The modules it has in common with
// dist/extension.js come from that bundle (scripts/layeredBundles.mjs): one DeviceStore class, one access provider.
import { join } from 'node:path';
import * as vscode from 'vscode';
import { toEnvArgs } from './devices/deviceEnv.js';
import { DashboardPanel } from './dashboard/dashboardPanel.js';
import { LogPanels } from './logs/logPanels.js';
import { OpenLogPanels } from './logs/openLogPanels.js';
import { Livepush } from './push/livepush.js';
import { makeLivepushStarter } from './push/livepushStarter.js';
import { BuildLog } from './push/buildLog.js';
import { PushRunner } from './push/pushRunner.js';
import type { AddDisposable, CoreServices, OnDemandServices } from './services.js';
import { SimulatorManager } from './simulators/simulatorManager.js';
import { dispatchRequest, webviewRequestHandlers, type RequestContext } from './webviews/webviewRequests.js';
import type { RequestBody } from '../webview/protocol.js';

export { commandById } from './commands/registry.js';

export function createOnDemandServices(core: CoreServices, add: AddDisposable): OnDemandServices {
  const { context, store, model, monitor, targets, contextKeys, env } = core;
  const envOf = (address: string) => toEnvArgs(env.of(address));
  const simulators = add(
    new SimulatorManager(join(context.extensionPath, 'dist', 'cli.js'), context.globalStorageUri.fsPath, (address, code, output) => {
      if (!store.get(address)) return;
      store.update(address, { online: false, error: `agent exited (${code})` });
      void vscode.window.showWarningMessage(
        vscode.l10n.t('EdgePush: the simulated device at {0} stopped: {1}', address, output.trim().split('\n').slice(-1)[0] ?? ''),
      );
    }),
  );
  const onRequest = async (body: RequestBody, ctx: RequestContext): Promise<void> => {
    await dispatchRequest(webviewRequestHandlers, body, { ...ctx, address: ctx.address ?? targets.current });
  };
  const logs = add(new LogPanels(context.extensionUri, onRequest, new OpenLogPanels(context.workspaceState)));
  const dashboard = add(new DashboardPanel(context.extensionUri, model, (body) => onRequest(body, { address: undefined })));
  dashboard.onReportShown = () => contextKeys.set('reportShown', true);
  const livepush = add(
    new Livepush(
      makeLivepushStarter(model, logs, monitor, envOf),
      (message) => void vscode.window.showWarningMessage(vscode.l10n.t('EdgePush livepush: {0}', message)),
    ),
  );
  const push = add(new PushRunner(model, store, monitor, logs, envOf, livepush, add(new BuildLog())));
  return { simulators, logs, dashboard, push };
}
