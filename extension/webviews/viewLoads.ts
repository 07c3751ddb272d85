// When a panel's page is loaded again, as a plain model (no `vscode` import, unit-tested): the host counts its
// loads, and the page either says `ready` or reports that its script did not load (`loadFailed`, sent by the
// page's inline loader with the load's number). After a window reload in a browser-hosted VS Code, one of the
// restored webviews can lose its script (the request escapes the webview's service worker and fails): reloading
// the page then brings it back, so a failure is answered at once, not after a timeout.
export const MAX_RELOADS = 5;

export class ViewLoads {
  private current = 0;
  private reloads = 0;
  private ready = false;

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

  /** A last resort for a page that could not even report (nothing said for a long time): true to load it again. */
  onSilent(visible: boolean): boolean {
    if (this.ready || !visible) return false;
    return this.takeReload();
  }

  private takeReload(): boolean {
    if (this.reloads >= MAX_RELOADS) return false;
    this.reloads++;
    return true;
  }
}
