// Runs one push at a time from the editor: a progress notification with Cancel, the pipeline's events folded
// into the dashboard model, logs followed from the start, and livepush started after a good push.
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { PushReport } from '../../simulator/push/types.js';
import { EdgePushError, messageOf } from '../../simulator/shared/errors.js';
import type { DashboardModel } from '../dashboard/dashboardModel.js';
import { accessFor, clientFor } from '../devices/deviceAccess.js';
import type { DeviceMonitor } from '../devices/deviceMonitor.js';
import type { DeviceStore } from '../devices/deviceStore.js';
import { Disposable, toDisposable } from '../lifecycle.js';
import type { LogPanels } from '../logs/logPanels.js';
import { readSettings } from '../settings.js';
import { formatBytes } from '../../simulator/shared/units.js';
import type { BuildLog } from './buildLog.js';
import type { Livepush } from './livepush.js';
import { loadWorkSoon } from '../workLoader.js';

export class PushRunner extends Disposable {
  private active: AbortController | undefined;

  constructor(
    private readonly model: DashboardModel,
    private readonly store: DeviceStore,
    private readonly monitor: DeviceMonitor,
    private readonly logs: LogPanels,
    /** The device's saved environment (`--env` arguments), sent with every push to it. */
    private readonly envOf: (device: string) => string[],
    readonly livepush: Livepush,
    private readonly buildLog: BuildLog,
  ) {
    super();
    // A push still running when the extension stops is cancelled, not left half-done in the background.
    this._register(toDisposable(() => this.active?.abort()));
  }

  get busy(): boolean {
    return this.active !== undefined;
  }

  cancel(): void {
    this.active?.abort();
  }

  /** Bits per second of the device's link: as the device says, else as we started it (a simulated device). */
  private async linkRateOf(device: string): Promise<number | undefined> {
    const said = await clientFor(device)
      .then((c) => c.linkBitsPerSecond({ timeoutMs: 2000 }))
      .catch(() => undefined);
    if (said) return said;
    const configured = this.store.get(device)?.linkRate;
    if (!configured) return undefined;
    try {
      return (await loadWorkSoon()).parseRate(configured) * 8;
    } catch {
      return undefined;
    }
  }

  async push(projectDir: string, device: string): Promise<PushReport | undefined> {
    if (this.active) {
      void vscode.window.showWarningMessage(vscode.l10n.t('EdgePush: a push is already running.'));
      return undefined;
    }
    const settings = readSettings();
    const abort = new AbortController();
    this.active = abort;
    this.livepush.stop();
    // Start following logs now, so the panel shows the update from its first line.
    this.logs.session(device);
    const project = basename(projectDir);
    const linkBitsPerSecond = await this.linkRateOf(device);
    const id = this.model.begin(device, project, Date.now(), linkBitsPerSecond);
    this.buildLog.begin(project, device);
    // a QEMU board whose guest stops answering ends the push within seconds, with a power cycle offered
    // (a request to a frozen guest may never end, so the push is raced against the verdict, not only aborted)
    const watch = new AbortController();
    let hung: string | undefined;
    let onHung: (() => void) | undefined;
    const hungSignal = new Promise<never>((_resolve, reject) => (onHung = () => reject(new Error(hung))));
    hungSignal.catch(() => undefined);
    if (this.store.get(device)?.source === 'board') {
      void loadWorkSoon()
        .then((w) => w.watchBoardAt(device, watch.signal).then((v) => ({ v, w })))
        .then(({ v, w }) => {
          if (!v) return;
          hung = w.describeVerdict(v);
          abort.abort();
          onHung?.();
        })
        .catch(() => undefined);
    }
    try {
      const report = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: vscode.l10n.t('EdgePush: pushing {0} to {1}', project, device),
          cancellable: true,
        },
        async (progress, token) => {
          token.onCancellationRequested(() => abort.abort());
          // Loaded on first push: keeps the build pipeline out of activation.
          const [{ pushProject }, access] = await Promise.all([loadWorkSoon(), accessFor(device)]);
          const pushing = pushProject({
            projectDir,
            device,
            access,
            env: this.envOf(device),
            buildOn: settings.buildOn,
            signal: abort.signal,
            linkBitsPerSecond,
            onEvent: (e) => {
              this.model.event(id, e);
              this.buildLog.event(e);
              if (e.type === 'step') progress.report({ message: e.message });
              else if (e.type === 'service' && e.phase !== 'running')
                progress.report({ message: `${e.service}: ${e.phase}${e.percent !== undefined ? ` ${Math.round(e.percent)}%` : ''}` });
              this.monitor.refresh(device);
            },
          });
          return Promise.race([pushing, hungSignal]);
        },
      );
      this.model.end(id, 'succeeded');
      this.buildLog.end(`pushed: release ${report.release}; ${report.services.map((s) => `${s.name} ${s.state}`).join(', ')}`, false);
      this.monitor.refresh(device);
      const sent = report.services.reduce((n, s) => n + s.sentBytes, 0);
      this.livepush.afterPush(projectDir, device, report, settings.livepush);
      void vscode.window
        .showInformationMessage(
          vscode.l10n.t(
            'EdgePush: {0} runs on {1} (release {2}, {3} sent).',
            project,
            device,
            report.release.slice(0, 7),
            formatBytes(sent),
          ),
          'Show Logs',
          'Open Dashboard',
        )
        .then((choice) => {
          if (choice === 'Show Logs') void vscode.commands.executeCommand('edgepush.showLogs', device);
          if (choice === 'Open Dashboard') void vscode.commands.executeCommand('edgepush.openDashboard');
        });
      return report;
    } catch (err) {
      if (hung) {
        this.model.end(id, 'failed', hung);
        this.buildLog.end(`push failed: ${hung}`, true);
        const cycle = vscode.l10n.t('Power Cycle');
        void vscode.window.showErrorMessage(vscode.l10n.t('EdgePush: {0}', hung), cycle, 'Show Build Log').then((c) => {
          if (c === cycle) void vscode.commands.executeCommand('edgepush.reboot', device);
          if (c === 'Show Build Log') this.buildLog.show();
        });
        return undefined;
      }
      const wasCancelled = EdgePushError.is(err, 'cancelled') || abort.signal.aborted;
      this.model.end(id, wasCancelled ? 'cancelled' : 'failed', wasCancelled ? undefined : messageOf(err));
      this.buildLog.end(wasCancelled ? 'push cancelled' : `push failed: ${messageOf(err)}`, !wasCancelled);
      if (wasCancelled) void vscode.window.showInformationMessage(vscode.l10n.t('EdgePush: push cancelled.'));
      else
        void vscode.window
          .showErrorMessage(vscode.l10n.t('EdgePush: push to {0} failed: {1}', device, messageOf(err)), 'Show Build Log', 'Open Dashboard')
          .then((c) => {
            if (c === 'Show Build Log') this.buildLog.show();
            if (c === 'Open Dashboard') void vscode.commands.executeCommand('edgepush.openDashboard');
          });
      return undefined;
    } finally {
      watch.abort();
      this.active = undefined;
    }
  }
}
