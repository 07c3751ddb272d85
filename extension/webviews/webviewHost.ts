// The host's end of the webview protocol for one panel: builds the locked-down HTML, validates every message
// from the view, sends nothing until the view has said `ready` (then its owner sends the full state, so nothing
// needs queueing), and answers requests by id.
import * as vscode from 'vscode';
import type { NotificationBody, RequestBody, ViewKind } from '../../webview/protocol.js';
import { Disposable } from '../lifecycle.js';
import { webviewHtml } from './webviewHtml.js';
import { loadWorkSoon } from '../workLoader.js';
import { messageOf } from '../../simulator/shared/errors.js';

const READY_TIMEOUT_MS = 8000;

export type RequestHandler = (body: RequestBody) => Promise<void> | void;

export class WebviewHost extends Disposable {
  private ready = false;
  private readonly readyEmitter = this._register(new vscode.EventEmitter<void>());
  /** Fires each time the view (re)loads and says `ready`: send it the full state then. */
  readonly onDidBecomeReady = this.readyEmitter.event;

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
    let loads = 0;
    const load = () => {
      loads++;
      webview.html = webviewHtml({
        view,
        title: panel.title,
        cspSource: webview.cspSource,
        // A query that changes per load, so a reload fetches the script again instead of a failed cached copy.
        scriptUri: `${webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString()}?load=${loads}`,
        codiconsUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'codicons', 'codicon.css')).toString(),
      });
    };
    load();
    this._register(webview.onDidReceiveMessage((raw: unknown) => void this.receive(raw)));
    // A hidden webview is unloaded and says `ready` again when shown.
    this._register(
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
        else this.watchReady(load);
      }),
    );
    this.watchReady(load);
    this._register({ dispose: () => clearTimeout(this.readyTimer) });
  }

  private readyTimer: ReturnType<typeof setTimeout> | undefined;
  private reloads = 0;

  /**
   * A visible view that has not said `ready` in time is loaded again (a few times at most): in a browser-hosted
   * VS Code the webview's first load can lose its script while the service worker starts, leaving a blank panel.
   */
  private watchReady(load: () => void): void {
    clearTimeout(this.readyTimer);
    this.readyTimer = setTimeout(() => {
      if (this.ready || !this.panel.visible || this.isDisposed || this.reloads >= 3) return;
      this.reloads++;
      load();
      this.watchReady(load);
    }, READY_TIMEOUT_MS);
  }

  private async receive(raw: unknown): Promise<void> {
    // The protocol's schemas (zod) load with the first message, not at activation.
    const { parseViewToHost } = await loadWorkSoon();
    const msg = parseViewToHost(raw);
    if (!msg) return;
    if (msg.kind === 'ready') {
      this.ready = true;
      this.readyEmitter.fire();
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
    return this.ready;
  }

  /** Sends a notification once the view is ready; before that it is dropped (the full state follows `ready`). */
  notify(body: NotificationBody): void {
    if (this.ready) void this.panel.webview.postMessage({ kind: 'notify', body });
  }
}
