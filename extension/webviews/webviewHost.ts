// The host's end of the webview protocol for one panel: builds the locked-down HTML, validates every message
// from the view, sends nothing until the view has said `ready` (then its owner sends the full state, so nothing
// needs queueing), loads the page again when it reports that its script failed (viewLoads.ts), tells its owner
// to replace a panel whose page stays silent (onDidStall), and answers requests by id.
import * as vscode from 'vscode';
import type { NotificationBody, RequestBody, ViewKind } from '../../webview/protocol.js';
import { Disposable } from '../lifecycle.js';
import { webviewHtml } from './webviewHtml.js';
import { loadWorkSoon } from '../workLoader.js';
import { messageOf } from '../../simulator/shared/errors.js';
import { ViewLoads } from './viewLoads.js';

const READY_TIMEOUT_MS = 8000;

export type RequestHandler = (body: RequestBody) => Promise<void> | void;

export class WebviewHost extends Disposable {
  private readonly loads = new ViewLoads();
  private readonly load: () => void;
  private readonly readyEmitter = this._register(new vscode.EventEmitter<void>());
  /** Fires each time the view (re)loads and says `ready`: send it the full state then. */
  readonly onDidBecomeReady = this.readyEmitter.event;
  private readonly stallEmitter = this._register(new vscode.EventEmitter<void>());
  /** Fires when the visible page stayed silent through a reload of its HTML: the owner replaces the panel. */
  readonly onDidStall = this.stallEmitter.event;

  constructor(
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    view: ViewKind,
    private readonly onRequest: RequestHandler,
  ) {
    super();
    const dist = vscode.Uri.joinPath(extensionUri, 'dist');
    const webview = panel.webview;
    webview.options = { enableScripts: true, localResourceRoots: [dist] };
    this.load = () => {
      const load = this.loads.startLoad();
      webview.html = webviewHtml({
        view,
        title: panel.title,
        cspSource: webview.cspSource,
        // A query that changes per load, so a reload fetches the script again instead of a failed cached copy.
        scriptUri: `${webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString()}?load=${load}`,
        codiconsUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'codicons', 'codicon.css')).toString(),
        load,
      });
    };
    this.load();
    this._register(webview.onDidReceiveMessage((raw: unknown) => void this.receive(raw)));
    // A hidden webview is unloaded and says `ready` again when shown.
    this._register(
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.loads.onHidden();
        else this.watchSilence();
      }),
    );
    this.watchSilence();
    this._register({ dispose: () => clearTimeout(this.silenceTimer) });
  }

  private silenceTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * A last resort: a visible page that has said nothing for long (not even that its script failed) is loaded
   * again, and if it stays silent the owner is told to replace the panel. Script failures themselves are
   * reported by the page and answered at once (`loadFailed`).
   */
  private watchSilence(): void {
    clearTimeout(this.silenceTimer);
    this.silenceTimer = setTimeout(() => {
      if (this.isDisposed) return;
      const answer = this.loads.onSilent(this.panel.visible);
      if (answer === 'reload') {
        this.load();
        this.watchSilence();
      } else if (answer === 'replace') this.stallEmitter.fire();
    }, READY_TIMEOUT_MS);
  }

  private async receive(raw: unknown): Promise<void> {
    // The protocol's schemas (zod) load with the first message, not at activation.
    const { parseViewToHost } = await loadWorkSoon();
    const msg = parseViewToHost(raw);
    if (!msg) return;
    if (msg.kind === 'ready') {
      this.loads.onReady();
      this.readyEmitter.fire();
      return;
    }
    if (msg.kind === 'loadFailed') {
      if (!this.isDisposed && this.loads.onLoadFailed(msg.load)) this.load();
      return;
    }
    try {
      await this.onRequest(msg.body);
      void this.panel.webview.postMessage({ kind: 'response', id: msg.id, ok: true });
    } catch (err) {
      void this.panel.webview.postMessage({ kind: 'response', id: msg.id, ok: false, error: messageOf(err) });
    }
  }

  get isReady(): boolean {
    return this.loads.isReady;
  }

  /** Sends a notification once the view is ready; before that it is dropped (the full state follows `ready`). */
  notify(body: NotificationBody): void {
    if (this.loads.isReady) void this.panel.webview.postMessage({ kind: 'notify', body });
  }
}
