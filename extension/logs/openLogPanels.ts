// Which device each open log panel shows, kept in the workspace's state (no `vscode` import, unit-tested).
// A log panel comes back after a window reload only if its serializer learns the device. The panel's own webview
// state says it only once the page has loaded and received its first lines, and VS Code may save the window's
// layout (the panel included) before that: the panel then came back without its device and was closed. The
// record is written, and VS Code has it, before the panel is created, so every saved layout that has the panel
// has its record too (both are in the workspace's storage, saved together).
export interface StateStore {
  get(key: string): unknown;
  update(key: string, value: unknown): PromiseLike<void>;
}

export const OPEN_LOG_PANELS_KEY = 'edgepush.openLogPanels';

/** The device of a panel's webview state (`{ device }`, set by the page), if it has one. */
export function deviceOfState(state: unknown): string | undefined {
  return typeof state === 'object' && state && 'device' in state && typeof state.device === 'string' && state.device
    ? state.device
    : undefined;
}

export class OpenLogPanels {
  constructor(private readonly store: StateStore) {}

  /** Panel title → device address. */
  private all(): Record<string, string> {
    const v = this.store.get(OPEN_LOG_PANELS_KEY);
    if (typeof v !== 'object' || v === null) return {};
    return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'));
  }

  /** Resolves once VS Code holds the record: await it before creating the panel. */
  remember(title: string, address: string): PromiseLike<void> {
    return this.store.update(OPEN_LOG_PANELS_KEY, { ...this.all(), [title]: address });
  }

  /** The panel was closed (only its own record: another panel may have taken the title since). */
  forget(title: string, address: string): PromiseLike<void> {
    const all = this.all();
    if (all[title] !== address) return Promise.resolve();
    delete all[title];
    return this.store.update(OPEN_LOG_PANELS_KEY, all);
  }

  /** The device of a restored panel: its webview state's, else the record of its title. */
  deviceOf(title: string, state: unknown): string | undefined {
    return deviceOfState(state) ?? this.all()[title];
  }
}
