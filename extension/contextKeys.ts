// Context keys for `when` clauses (palette entries that need a device or a service) and the walkthrough's
// completion events (a simulated device online, a board online), kept true to the device store.
import * as vscode from 'vscode';
import type { DeviceStore } from './devices/deviceStore.js';
import { Disposable } from './lifecycle.js';

export class ContextKeys extends Disposable {
  private readonly values = new Map<string, boolean>();

  constructor(private readonly store: DeviceStore) {
    super();
    this._register(store.onDidChange(() => this.update()));
    this.update();
  }

  /** Sets a key once it changes (each setContext is a round trip to the workbench). */
  set(key: string, value: boolean): void {
    if (this.values.get(key) === value) return;
    this.values.set(key, value);
    void vscode.commands.executeCommand('setContext', `edgepush.${key}`, value);
  }

  private update(): void {
    const all = this.store.all();
    this.set('hasDevices', all.length > 0);
    this.set(
      'hasServices',
      all.some((d) => d.services.length > 0),
    );
    this.set(
      'hasSimulator',
      all.some((d) => d.source === 'simulated'),
    );
    this.set(
      'hasBoard',
      all.some((d) => d.source === 'board'),
    );
    this.set(
      'hasRemovable',
      all.some((d) => d.source === 'manual' || d.source === 'mdns'),
    );
    // Walkthrough steps complete on these (they stay done once done).
    if (all.some((d) => d.source === 'simulated' && d.online)) this.set('simulatorOnline', true);
    if (all.some((d) => d.source === 'board' && d.online)) this.set('boardOnline', true);
  }
}
