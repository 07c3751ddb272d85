// The dashboard: one webview panel, opened on demand, showing the DashboardModel and sending its buttons'
// requests back to commands.
import * as vscode from 'vscode';
import type { RequestBody, RolloutView } from '../../webview/protocol.js';
import { Disposable, toDisposable } from '../lifecycle.js';
import { WebviewHost } from '../webviews/webviewHost.js';
import type { DashboardModel } from './dashboardModel.js';

export class DashboardPanel extends Disposable {
  private current: { panel: vscode.WebviewPanel; host: WebviewHost } | undefined;
  private rollout: RolloutView | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly model: DashboardModel,
    private readonly onRequest: (body: RequestBody) => Promise<void>,
  ) {
    super();
    this._register(model.onDidChange(() => this.send()));
    this._register(toDisposable(() => this.current?.panel.dispose()));
  }

  get isOpen(): boolean {
    return this.current !== undefined;
  }

  show(preserveFocus = false): void {
    if (this.current) {
      this.current.panel.reveal(undefined, preserveFocus);
      return;
    }
    const panel = vscode.window.createWebviewPanel('edgepush.dashboard', 'EdgePush Dashboard', { viewColumn: vscode.ViewColumn.Active, preserveFocus }, { enableScripts: true });
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'edgepush.svg');
    const host = new WebviewHost(panel, this.extensionUri, 'dashboard', this.onRequest);
    host.onDidBecomeReady(() => this.send());
    this.current = { panel, host };
    panel.onDidDispose(() => {
      host.dispose();
      this.current = undefined;
    });
  }

  /** The latest fleet rollout (Push to Fleet): kept, and sent whenever the view is (re)opened. */
  showRollout(r: RolloutView): void {
    this.rollout = r;
    this.current?.host.notify({ type: 'dashboard/rollout', rollout: r });
  }

  private send(): void {
    this.current?.host.notify({ type: 'dashboard/state', state: this.model.state() });
    if (this.rollout) this.current?.host.notify({ type: 'dashboard/rollout', rollout: this.rollout });
  }
}
