// API keys of devices, one per address, in VS Code's SecretStorage (the OS keychain where there is one), never
// in settings or global state. Read once per address and cached; a change clears the cache. The engine port of a
// device reached through a tunnel (not a secret) is kept in global state beside it.
import type * as vscode from 'vscode';
import type { DeviceAccess } from '../../simulator/push/types.js';
import { Disposable } from '../lifecycle.js';

const keyOf = (address: string) => `edgepush.apiKey:${address}`;
const ENGINE_PORTS = 'edgepush.enginePorts';

export class DeviceSecrets extends Disposable {
  private readonly cache = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly state: vscode.Memento,
  ) {
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
    const enginePort = this.enginePort(address);
    return { ...(apiKey ? { apiKey } : {}), ...(enginePort ? { enginePort } : {}) };
  }

  /** The engine port when it is not 2375 (the local end of a tunnel to the device's engine). */
  enginePort(address: string): number | undefined {
    return this.state.get<Record<string, number>>(ENGINE_PORTS, {})[address];
  }

  async setEnginePort(address: string, port: number | undefined): Promise<void> {
    const all = { ...this.state.get<Record<string, number>>(ENGINE_PORTS, {}) };
    if (port && port !== 2375) all[address] = port;
    else delete all[address];
    await this.state.update(ENGINE_PORTS, all);
  }

  async setApiKey(address: string, key: string | undefined): Promise<void> {
    this.cache.delete(address);
    if (key) await this.secrets.store(keyOf(address), key);
    else await this.secrets.delete(keyOf(address));
  }
}
