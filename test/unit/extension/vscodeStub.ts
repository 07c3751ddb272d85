// A small stand-in for the `vscode` module, enough to activate the bundled extension in plain Node: records
// registered commands, views and status bar items. Used by the activation unit test and benchmark.
import Module from 'node:module';

export interface StubRecord {
  commands: Map<string, (...args: unknown[]) => unknown>;
  treeViews: string[];
  statusItems: { text: string; command?: string; disposed: boolean }[];
  messages: string[];
}

class EventEmitter<T> {
  private listeners = new Set<(e: T) => void>();
  event = (l: (e: T) => void) => {
    this.listeners.add(l);
    return { dispose: () => this.listeners.delete(l) };
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

const disposable = () => ({ dispose: () => undefined });

export function makeVscodeStub(record: StubRecord, settings: Record<string, unknown> = {}): Record<string, unknown> {
  const uri = (fsPath: string) => ({ fsPath, path: fsPath, scheme: 'file', toString: () => `file://${fsPath}` });
  return {
    EventEmitter,
    TreeItem: class {
      constructor(
        public label: string,
        public collapsibleState?: number,
      ) {}
    },
    ThemeIcon: class {
      constructor(
        public id: string,
        public color?: unknown,
      ) {}
    },
    ThemeColor: class {
      constructor(public id: string) {}
    },
    MarkdownString: class {
      constructor(public value = '') {}
    },
    TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
    StatusBarAlignment: { Left: 1, Right: 2 },
    ViewColumn: { Active: -1, Beside: -2, One: 1 },
    ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
    ConfigurationTarget: { Global: 1, Workspace: 2 },
    QuickPickItemKind: { Separator: -1, Default: 0 },
    Uri: { file: uri, joinPath: (base: { fsPath: string }, ...parts: string[]) => uri([base.fsPath, ...parts].join('/')) },
    window: {
      createTreeView: (id: string) => {
        record.treeViews.push(id);
        return { visible: false, onDidChangeVisibility: () => disposable(), dispose: () => undefined };
      },
      createStatusBarItem: () => {
        const item = {
          text: '',
          command: undefined as string | undefined,
          disposed: false,
          show: () => undefined,
          dispose: () => (item.disposed = true),
        };
        record.statusItems.push(item);
        return item;
      },
      showInformationMessage: async (m: string) => void record.messages.push(m),
      showWarningMessage: async (m: string) => void record.messages.push(m),
      showErrorMessage: async (m: string) => void record.messages.push(m),
      setStatusBarMessage: () => disposable(),
      registerWebviewPanelSerializer: () => disposable(),
    },
    l10n: { t: (message: string, ...args: unknown[]) => message.replace(/\{(\d+)\}/g, (_m, i: string) => String(args[Number(i)])) },
    commands: {
      registerCommand: (id: string, fn: (...args: unknown[]) => unknown) => {
        if (record.commands.has(id)) throw new Error(`command ${id} registered twice`);
        record.commands.set(id, fn);
        return { dispose: () => record.commands.delete(id) };
      },
      executeCommand: async (id: string, ...args: unknown[]) => record.commands.get(id)?.(...args),
    },
    workspace: {
      workspaceFolders: undefined,
      getConfiguration: (section: string) => ({
        get: <T>(key: string, dflt: T): T => (settings[`${section}.${key}`] as T | undefined) ?? dflt,
        update: async () => undefined,
      }),
      onDidChangeConfiguration: () => disposable(),
    },
  };
}

/** Makes `require('vscode')` return the stub for the rest of this process. */
export function installVscodeStub(stub: Record<string, unknown>): void {
  const mod = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = mod._load;
  mod._load = function (request: string, ...rest: unknown[]) {
    if (request === 'vscode') return stub;
    return original.call(this, request, ...rest);
  };
}

export function fakeContext(extensionPath: string, storage: string): Record<string, unknown> {
  const memento = () => {
    const m = new Map<string, unknown>();
    return {
      get: <T>(k: string, d?: T) => (m.has(k) ? (m.get(k) as T) : d),
      update: async (k: string, v: unknown) => void m.set(k, v),
      keys: () => [...m.keys()],
    };
  };
  return {
    subscriptions: [] as { dispose(): void }[],
    extensionPath,
    extensionUri: { fsPath: extensionPath, path: extensionPath, scheme: 'file' },
    globalStorageUri: { fsPath: storage, path: storage, scheme: 'file' },
    workspaceState: memento(),
    globalState: memento(),
    secrets: { get: async () => undefined, store: async () => undefined, delete: async () => undefined, onDidChange: () => disposable() },
    environmentVariableCollection: { description: '', prepend: () => undefined, delete: () => undefined },
  };
}
