// API keys of devices, one per address, in VS Code's SecretStorage (the OS keychain where there is one), never
// in settings or global state. Read once per address and cached; a change clears the cache.
import type * as vscode from 'vscode';
import type { DeviceAccess } from '../../simulator/push/types.js';
import { Disposable } from '../lifecycle.js';

const keyOf = (address: string) => `edgepush.apiKey:${address}`;

export class DeviceSecrets extends Disposable {
  private readonly cache = new Map<string, Promise<string | undefined>>();

  constructor(private readonly secrets: vscode.SecretStorage) {
    super();
    this._register(secrets.onDidChange((e) => this.cache.delete(e.key.replace(/^edgepush\.apiKey:/, ''))));
  }

  apiKey(address: string): Promise<string | undefined> {
    let k = this.cache.get(address);
    if (!k) {
      k = Promise.resolve(this.secrets.get(keyOf(address))).catch(() => undefined);
      this.cache.set(address, k);
    }
    return k;
  }

  async access(address: string): Promise<DeviceAccess> {
    const apiKey = await this.apiKey(address);
    return apiKey ? { apiKey } : {};
  }

  async setApiKey(address: string, key: string | undefined): Promise<void> {
    this.cache.delete(address);
    if (key) await this.secrets.store(keyOf(address), key);
    else await this.secrets.delete(keyOf(address));
  }
}
