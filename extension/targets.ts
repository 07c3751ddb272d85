// The current target device and the devices added by address, remembered per workspace / per user. Says when the
// target changes (onDidChangeTarget); whoever shows it (the dashboard) listens, nothing here writes into a view.
import type * as vscode from 'vscode';
import { forgetClients } from './devices/deviceAccess.js';
import type { DeviceStore } from './devices/deviceStore.js';
import { Disposable, Emitter } from './lifecycle.js';

const TARGET_KEY = 'edgepush.target';
const ADDED_KEY = 'edgepush.addedDevices';
const PINNED_KEY = 'edgepush.pinnedTarget';

export class Targets extends Disposable {
  private readonly changed = this._register(new Emitter<string | undefined>());
  /** The remembered target changed (set, or its device removed): the new address, or undefined. */
  readonly onDidChangeTarget = this.changed.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly store: DeviceStore,
  ) {
    super();
    for (const a of this.added()) store.add(a, 'manual');
  }

  /** The remembered target of this workspace. */
  get current(): string | undefined {
    return this.context.workspaceState.get<string>(TARGET_KEY);
  }

  /** The device set with Set as Push Target: Push to Device goes there without asking. */
  get pinned(): string | undefined {
    const a = this.context.workspaceState.get<string>(PINNED_KEY);
    return a && this.store.get(a) ? a : undefined;
  }

  async pin(address: string): Promise<void> {
    await this.context.workspaceState.update(PINNED_KEY, address);
    await this.remember(address);
  }

  async remember(address: string): Promise<void> {
    await this.context.workspaceState.update(TARGET_KEY, address);
    this.changed.fire(address);
  }

  added(): string[] {
    return this.context.globalState.get<string[]>(ADDED_KEY, []);
  }

  async addAddress(address: string): Promise<void> {
    const list = this.added();
    if (!list.includes(address)) await this.context.globalState.update(ADDED_KEY, [...list, address]);
    this.store.add(address, 'manual');
  }

  async removeAddress(address: string): Promise<void> {
    await this.context.globalState.update(
      ADDED_KEY,
      this.added().filter((a) => a !== address),
    );
    if (this.current === address) await this.context.workspaceState.update(TARGET_KEY, undefined);
    if (this.context.workspaceState.get<string>(PINNED_KEY) === address) await this.context.workspaceState.update(PINNED_KEY, undefined);
    this.store.remove(address);
    forgetClients(address);
    this.changed.fire(this.current);
  }
}
