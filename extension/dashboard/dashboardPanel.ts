// The dashboard: one webview panel, opened on demand, showing the DashboardModel and sending its buttons'
// requests back to commands.
import * as vscode from 'vscode';
import type { RequestBody, RolloutView } from '../../webview/protocol.js';
import { Disposable, toDisposable } from '../lifecycle.js';
import { Batcher, realTimer, type Timer } from '../webviews/batcher.js';
import { WebviewHost } from '../webviews/webviewHost.js';
import { MAX_REPLACEMENTS } from '../webviews/viewLoads.js';
import type { DashboardModel } from './dashboardModel.js';

export const DASHBOARD_BATCH_MS = 100;

export class DashboardPanel extends Disposable {
  private current: { panel: vscode.WebviewPanel; host: WebviewHost } | undefined;
  private rollout: RolloutView | undefined;
  /** Model changes come one per build line or progress tick; the view gets the latest state at most every 100 ms. */
  private readonly sends: Batcher<void>;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly model: DashboardModel,
    private readonly onRequest: (body: RequestBody) => Promise<void>,
    timer: Timer = realTimer,
  ) {
    super();
    this.sends = this._register(new Batcher<void>(() => this.send(), DASHBOARD_BATCH_MS, 1, timer));
    this._register(model.onDidChange(() => this.sends.add()));
    this._register(toDisposable(() => this.current?.panel.dispose()));
  }

  get isOpen(): boolean {
    return this.current !== undefined;
  }

  /** Fires when the dashboard shows a push's delta report (the walkthrough's third step). */
  onReportShown: (() => void) | undefined;

  show(preserveFocus = false, viewColumn: vscode.ViewColumn = vscode.ViewColumn.Active): void {
    if (this.current) {
      this.current.panel.reveal(undefined, preserveFocus);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      'edgepush.dashboard',
      vscode.l10n.t('EdgePush Dashboard'),
      { viewColumn, preserveFocus },
      { enableScripts: true },
    );
    this.adopt(panel);
  }

  private replacements = 0;

  /** A panel whose webview stayed blank (WebviewHost.onDidStall) gives way to a new one in its place, at most
   *  MAX_REPLACEMENTS times a window. */
  private replace(panel: vscode.WebviewPanel): void {
    if (this.current?.panel !== panel || this.replacements >= MAX_REPLACEMENTS) return;
    this.replacements++;
    const column = panel.viewColumn ?? vscode.ViewColumn.Active;
    panel.dispose();
    this.current = undefined; // whenever VS Code reports the disposal
    this.show(true, column);
  }

  /** Takes over a panel: a new one, or one VS Code restores after a window reload (its serializer). */
  adopt(panel: vscode.WebviewPanel): void {
    if (this.current) {
      panel.dispose();
      return;
    }
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'edgepush.svg');
    const host = new WebviewHost(panel, this.extensionUri, 'dashboard', this.onRequest);
    host.onDidBecomeReady(() => this.send());
    host.onDidStall(() => this.replace(panel));
    this.current = { panel, host };
    panel.onDidDispose(() => {
      host.dispose();
      if (this.current?.panel === panel) this.current = undefined;
    });
  }

  /** The latest fleet rollout (Push to Fleet): kept, and sent whenever the view is (re)opened. */
  showRollout(r: RolloutView): void {
    this.rollout = r;
    this.current?.host.notify({ type: 'dashboard/rollout', rollout: r });
  }

  private send(): void {
    const state = this.model.state();
    this.current?.host.notify({ type: 'dashboard/state', state });
    if (this.current?.host.isReady && state.current?.report && state.current.report.length > 0) this.onReportShown?.();
    if (this.rollout) this.current?.host.notify({ type: 'dashboard/rollout', rollout: this.rollout });
  }
}
