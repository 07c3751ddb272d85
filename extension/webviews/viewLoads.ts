// When a panel's page is loaded again, as a plain model (no `vscode` import, unit-tested): the host counts its
// loads, and the page either says `ready` or reports that its script did not load (`loadFailed`, sent by the
// page's inline loader with the load's number). After a window reload in a browser-hosted VS Code, one of the
// restored webviews can lose its script (the request escapes the webview's service worker and fails): reloading
// the page then brings it back, so a failure is answered at once, not after a timeout. A restored webview's own
// frame can also stay blank, whatever HTML it is given: a page silent through a reload has its panel replaced.
export const MAX_RELOADS = 5;
/** Stuck panels an owner replaces per window (WebviewHost.onDidStall). */
export const MAX_REPLACEMENTS = 2;

/** What to do about a visible page that has said nothing for a while. */
export type SilenceAnswer = 'wait' | 'reload' | 'replace';

export class ViewLoads {
  private current = 0;
  private reloads = 0;
  private ready = false;
  private silences = 0; // silent periods since the page last said ready

  get isReady(): boolean {
    return this.ready;
  }

  /** The number of the load being started (given to the page, which sends it back if its script fails). */
  startLoad(): number {
    this.ready = false;
    return ++this.current;
  }

  onReady(): void {
    this.ready = true;
    this.reloads = 0;
    this.silences = 0;
  }

  /** A hidden webview is unloaded; it says `ready` again when shown. */
  onHidden(): void {
    this.ready = false;
  }

  /** The page of load `load` could not load its script: true when the host should load the page again now. */
  onLoadFailed(load: number): boolean {
    if (load !== this.current) return false; // an older page, already replaced
    this.ready = false;
    return this.takeReload();
  }

  /**
   * A last resort for a page that could not even report (nothing said for a long time): load it again, once.
   * Silent again after that, the webview itself is stuck (after a window reload in a browser-hosted VS Code, a
   * restored webview's frame can stay blank whatever HTML it is given): its owner replaces the panel, once.
   */
  onSilent(visible: boolean): SilenceAnswer {
    if (this.ready || !visible) return 'wait';
    this.silences++;
    if (this.silences === 1) return this.takeReload() ? 'reload' : 'wait';
    return this.silences === 2 ? 'replace' : 'wait';
  }

  private takeReload(): boolean {
    if (this.reloads >= MAX_RELOADS) return false;
    this.reloads++;
    return true;
  }
}
