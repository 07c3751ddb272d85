// Ownership of disposables: a class that holds resources extends Disposable and registers each one with
// _register(), so one dispose() releases everything it owns, in reverse order, exactly once.
// Kept free of the `vscode` import so that models built on it can be unit-tested in plain Node.

export interface IDisposable {
  dispose(): void;
}

export function toDisposable(fn: () => void): IDisposable {
  let done = false;
  return {
    dispose() {
      if (done) return;
      done = true;
      fn();
    },
  };
}

export function disposeAll(items: IDisposable[]): void {
  while (items.length > 0) {
    const d = items.pop();
    try {
      d?.dispose();
    } catch {
      // one failing disposable must not keep the others alive
    }
  }
}

export abstract class Disposable implements IDisposable {
  private readonly _disposables: IDisposable[] = [];
  private _isDisposed = false;

  protected get isDisposed(): boolean {
    return this._isDisposed;
  }

  protected _register<T extends IDisposable>(d: T): T {
    if (this._isDisposed) d.dispose();
    else this._disposables.push(d);
    return d;
  }

  dispose(): void {
    if (this._isDisposed) return;
    this._isDisposed = true;
    disposeAll(this._disposables);
  }
}

/** A minimal typed event emitter (vscode.EventEmitter is not available to plain-Node models). */
export class Emitter<T> implements IDisposable {
  private listeners = new Set<(e: T) => void>();

  readonly event = (listener: (e: T) => void): IDisposable => {
    this.listeners.add(listener);
    return toDisposable(() => this.listeners.delete(listener));
  };

  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }

  dispose(): void {
    this.listeners.clear();
  }
}
