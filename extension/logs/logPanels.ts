// One log panel per device (an editor tab beside the code), each showing that device's LogSession. Sessions
// start when a device is first shown and keep following while the panel is closed, so history is kept.
import * as vscode from 'vscode';
import type { RequestBody } from '../../webview/protocol.js';
import { Disposable, toDisposable } from '../lifecycle.js';
import { readSettings } from '../settings.js';
import { WebviewHost } from '../webviews/webviewHost.js';
import type { RequestContext } from '../webviews/webviewRequests.js';
import { LogSession } from './logSession.js';
import type { OpenLogPanels } from './openLogPanels.js';
import { MAX_REPLACEMENTS } from '../webviews/viewLoads.js';

class LogPanel extends Disposable {
  readonly host: WebviewHost;

  constructor(
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly session: LogSession,
    onRequest: (body: RequestBody) => Promise<void>,
  ) {
    super();
    this.host = this._register(new WebviewHost(panel, extensionUri, 'logs', onRequest));
    this._register(this.host.onDidBecomeReady(() => this.sendAll()));
    this._register(session.onDidAppend((entries) => this.host.notify({ type: 'logs/append', entries })));
  }

  private focus: string | undefined;

  sendAll(): void {
    this.host.notify({
      type: 'logs/init',
      device: this.session.address,
      capacity: this.session.buffer.limit,
      entries: this.session.buffer.entries(),
    });
    if (this.focus) this.host.notify({ type: 'logs/focus', service: this.focus });
  }

  /** Shows only this service, now if the view is up, else once it is. */
  focusService(service: string): void {
    this.focus = service;
    this.host.notify({ type: 'logs/focus', service });
  }

  clear(): void {
    this.session.clear();
    this.host.notify({ type: 'logs/clear' });
  }
}

export class LogPanels extends Disposable {
  private readonly sessions = new Map<string, LogSession>();
  private readonly panels = new Map<string, LogPanel>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly onRequest: (body: RequestBody, ctx: RequestContext) => Promise<void>,
    /** Which device each open panel shows, for the panels VS Code restores after a window reload. */
    private readonly records: OpenLogPanels,
  ) {
    super();
    this._register(
      toDisposable(() => {
        this.panels.forEach((p) => p.dispose());
        this.sessions.forEach((s) => s.dispose());
      }),
    );
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('edgepush.logs.bufferLines')) return;
        const lines = readSettings().logBufferLines;
        for (const s of this.sessions.values()) s.buffer.resize(lines);
        for (const p of this.panels.values()) p.sendAll();
      }),
    );
  }

  session(address: string): LogSession {
    let s = this.sessions.get(address);
    if (!s) {
      s = new LogSession(address, readSettings().logBufferLines);
      this.sessions.set(address, s);
    }
    return s;
  }

  /** Opens (or reveals) the log panel of a device; with a service, filtered to it. */
  async show(address: string, name = address, preserveFocus = false, service?: string): Promise<void> {
    await this.open(address, vscode.l10n.t('Logs: {0}', name), vscode.ViewColumn.Beside, preserveFocus, service);
  }

  private async open(
    address: string,
    title: string,
    viewColumn: vscode.ViewColumn,
    preserveFocus: boolean,
    service?: string,
  ): Promise<void> {
    if (this.reveal(address, preserveFocus, service)) return;
    // The record first: any window state VS Code saves with this panel then has its device too.
    await this.records.remember(title, address);
    if (this.reveal(address, preserveFocus, service)) return; // opened meanwhile
    const panel = vscode.window.createWebviewPanel(
      'edgepush.logs',
      title,
      { viewColumn, preserveFocus },
      { enableScripts: true, enableFindWidget: true },
    );
    this.adopt(panel, address, service);
  }

  private replacements = 0;

  /** A panel whose webview stayed blank (WebviewHost.onDidStall) gives way to a new one in its place, at most
   *  MAX_REPLACEMENTS times a window, so that a browser where webviews never load is not churned forever. */
  private replace(address: string, lp: LogPanel): void {
    if (this.panels.get(address) !== lp || this.replacements >= MAX_REPLACEMENTS) return;
    this.replacements++;
    const { title, viewColumn } = lp.panel;
    lp.panel.dispose();
    this.panels.delete(address); // whenever VS Code reports the disposal
    void this.open(address, title, viewColumn ?? vscode.ViewColumn.Beside, true);
  }

  private reveal(address: string, preserveFocus: boolean, service: string | undefined): boolean {
    const existing = this.panels.get(address);
    if (!existing) return false;
    existing.panel.reveal(undefined, preserveFocus);
    if (service) existing.focusService(service);
    return true;
  }

  /** A panel VS Code restores after a window reload (its serializer): its device is in its state or its record. */
  restore(panel: vscode.WebviewPanel, state: unknown): void {
    const address = this.records.deviceOf(panel.title, state);
    if (address) this.adopt(panel, address);
    else panel.dispose(); // a panel of a version that kept no record, never loaded
  }

  /** Takes over a panel: a new one, or a restored one. */
  private adopt(panel: vscode.WebviewPanel, address: string, service?: string): void {
    if (this.panels.has(address)) {
      panel.dispose();
      return;
    }
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'edgepush.svg');
    const lp = new LogPanel(panel, this.extensionUri, this.session(address), (body) =>
      this.onRequest(body, { address, clearLogs: () => lp.clear() }),
    );
    this.panels.set(address, lp);
    lp.host.onDidStall(() => this.replace(address, lp));
    if (service) lp.focusService(service);
    const title = panel.title;
    panel.onDidDispose(() => {
      lp.dispose();
      if (this.panels.get(address) === lp) this.panels.delete(address);
      void this.records.forget(title, address);
    });
  }

  /** Stops following a device that was removed. */
  forget(address: string): void {
    this.panels.get(address)?.panel.dispose();
    this.sessions.get(address)?.dispose();
    this.sessions.delete(address);
  }
}
