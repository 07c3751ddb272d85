// EdgePush: Push to Fleet — the workspace's project rolled out to a fleet of simulated devices through a
// registry, wave by wave behind the health gate (simulator/fleet/rollout.ts); progress in a notification with
// Cancel (devices already updated are rolled back), the rollout itself in the dashboard.
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { Services } from '../services.js';
import type { Command } from './command.js';
import { loadWorkSoon } from '../workLoader.js';
import { failRollout, reduceRollout, startRollout } from '../fleets/rolloutModel.js';
import type { RolloutView } from '../../webview/protocol.js';
import { messageOf } from '../../simulator/shared/errors.js';

type RegistryItem = vscode.QuickPickItem & { url?: string; action?: 'start' | 'enter' };

function fleetFromArg(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object' && 'fleet' in arg && typeof (arg as { fleet: unknown }).fleet === 'string')
    return (arg as { fleet: string }).fleet;
  return undefined;
}

async function pickProject(): Promise<string | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) {
    void vscode.window.showErrorMessage('EdgePush: open a folder with a Dockerfile or docker-compose.yml first.');
    return undefined;
  }
  if (folders.length === 1) return folders[0]!.uri.fsPath;
  return (await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Which project to roll out?' }))?.uri.fsPath;
}

async function pickRegistry(): Promise<string | undefined> {
  const work = await loadWorkSoon();
  const running = (await work.listRegistries()).filter((r) => r.answering);
  const items: RegistryItem[] = running.map((r) => ({ label: `$(database) ${r.url}`, description: 'started here', url: r.url }));
  items.push(
    { label: '$(play) Start a Local Registry (127.0.0.20:5000)', action: 'start' },
    { label: '$(edit) Enter a Registry URL…', action: 'enter' },
  );
  const picked = await vscode.window.showQuickPick(items, { placeHolder: 'Push through which registry?' });
  if (!picked) return undefined;
  if (picked.url) return picked.url;
  if (picked.action === 'start') {
    const r = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'EdgePush: starting a local registry' },
      () => work.startRegistry({}),
    );
    return r.url;
  }
  return vscode.window.showInputBox({
    prompt: 'Registry URL (http://HOST:PORT, or https://USER:PASS@HOST)',
    placeHolder: 'http://127.0.0.20:5000',
    ignoreFocusOut: true,
  });
}

export const pushToFleetCommand: Command = {
  id: 'edgepush.pushToFleet',
  async run(s: Services, arg?: unknown) {
    await s.fleets.refresh();
    let fleet = fleetFromArg(arg);
    if (!fleet) {
      const all = s.fleets.all();
      if (all.length === 0) {
        void vscode.window.showInformationMessage(
          'EdgePush: no fleet is running. Start one with `edgepush fleet start --name F --size N`.',
        );
        return undefined;
      }
      fleet =
        all.length === 1
          ? all[0]!.name
          : (
              await vscode.window.showQuickPick(
                all.map((f) => ({ label: f.name, description: `${f.summary.size} devices` })),
                { placeHolder: 'Push to which fleet?' },
              )
            )?.label;
    }
    if (!fleet) return undefined;
    const projectDir = await pickProject();
    if (!projectDir) return undefined;
    const registry = await pickRegistry();
    if (!registry) return undefined;
    const work = await loadWorkSoon();
    const record = (await work.listFleets()).find((f) => f.name === fleet);
    if (!record) {
      void vscode.window.showErrorMessage(`EdgePush: fleet '${fleet}' is gone.`);
      return undefined;
    }
    let view: RolloutView = startRollout(
      fleet,
      record.devices.map((d) => d.address),
    );
    s.dashboard.show(true);
    s.dashboard.showRollout(view);
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `EdgePush: Push to Fleet ${fleet}`, cancellable: true },
      async (progress, token) => {
        const ac = new AbortController();
        token.onCancellationRequested(() => ac.abort());
        try {
          const report = await work.runRollout({
            fleet: record,
            projectDir,
            registry,
            cliPath: join(s.context.extensionPath, 'dist', 'cli.js'),
            signal: ac.signal,
            onEvent: (e) => {
              view = reduceRollout(view, e);
              s.dashboard.showRollout(view);
              if (view.step) progress.report({ message: view.step });
            },
          });
          void s.fleets.refresh();
          const running = report.devices.filter((d) => d.state === 'running').length;
          if (running === report.devices.length)
            void vscode.window.showInformationMessage(
              `EdgePush: fleet ${fleet} runs release ${report.release.slice(0, 8)} (${running} devices).`,
            );
          else
            void vscode.window.showWarningMessage(
              `EdgePush: rollout to ${fleet} stopped${report.rolledBack ? ' and rolled back' : ''}: ${report.stoppedReason ?? `${running}/${report.devices.length} devices on the release`}`,
            );
          return report;
        } catch (err) {
          view = failRollout(view, messageOf(err), ac.signal.aborted);
          s.dashboard.showRollout(view);
          void s.fleets.refresh();
          if (!ac.signal.aborted) void vscode.window.showErrorMessage(`EdgePush: Push to Fleet failed: ${messageOf(err)}`);
          return undefined;
        }
      },
    );
  },
};
