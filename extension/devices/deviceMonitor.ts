// Keeps the DeviceStore true to the devices: each device is probed on a timer (every call with a short timeout,
// so a device that stops answering turns offline instead of hanging anything), sooner while an update is being
// applied, and at once when the device's own event stream (where it has one) says something changed.
// No `vscode` import.
import { statusWithHealth } from '../../simulator/push/serviceState.js';
import type { StateStatus } from '../../simulator/push/supervisorSchemas.js';
import { messageOf } from '../../simulator/shared/errors.js';
import type { IDisposable } from '../lifecycle.js';
import { Disposable, toDisposable } from '../lifecycle.js';
import { CALL_TIMEOUT_MS, clientFor } from './deviceAccess.js';
import type { ServiceRecord } from './deviceRecord.js';
import type { DeviceStore } from './deviceStore.js';

const IDLE_POLL_MS = 5000;
const BUSY_POLL_MS = 1000;
const OFFLINE_POLL_MS = 4000;

/** Services as the tree shows them: containers by name, plus images still arriving for services without one. */
export function servicesOf(status: StateStatus): ServiceRecord[] {
  const out = new Map<string, ServiceRecord>();
  for (const c of status.containers) out.set(c.serviceName, { name: c.serviceName, status: statusWithHealth(c.status, c.health) });
  for (const i of status.images) {
    if (i.serviceName && !out.has(i.serviceName) && i.status !== 'Deleting')
      out.set(i.serviceName, { name: i.serviceName, status: i.status });
  }
  return [...out.values()].sort((a, b) => a.name.localeCompare(b.name));
}

class DeviceWatch implements IDisposable {
  private readonly abort = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private probing = false;
  private again = false;
  private knowsInfo = false;

  constructor(
    private readonly store: DeviceStore,
    readonly address: string,
  ) {
    void this.probe();
    void this.followEvents();
  }

  /** Probe now (after a command changed something); coalesces with a probe already running. */
  poke(): void {
    if (this.probing) this.again = true;
    else void this.probe();
  }

  private async probe(): Promise<void> {
    if (this.abort.signal.aborted) return;
    clearTimeout(this.timer);
    this.probing = true;
    const o = { signal: this.abort.signal, timeoutMs: CALL_TIMEOUT_MS };
    let next = IDLE_POLL_MS;
    try {
      const client = await clientFor(this.address);
      await client.ping(o);
      const patch: Parameters<DeviceStore['update']>[1] = { online: true, error: undefined, bootPhase: undefined };
      if (!this.knowsInfo) {
        const [version, info] = await Promise.all([client.version(o).catch(() => undefined), client.deviceInfo(o).catch(() => undefined)]);
        patch.supervisorVersion = version;
        patch.deviceType = info?.deviceType;
        patch.arch = info?.arch;
        this.knowsInfo = version !== undefined && info !== undefined;
      }
      const status = await client.status(o);
      patch.services = servicesOf(status);
      patch.release = status.release ?? undefined;
      patch.appState = status.appState;
      if (status.appState !== 'applied') next = BUSY_POLL_MS;
      if (!this.abort.signal.aborted && this.store.get(this.address)) this.store.update(this.address, patch);
    } catch (err) {
      if (this.abort.signal.aborted || !this.store.get(this.address)) return;
      this.knowsInfo = false;
      this.store.update(this.address, { online: false, error: messageOf(err).replace(/^.*?: /, ''), appState: undefined });
      next = OFFLINE_POLL_MS;
    } finally {
      this.probing = false;
    }
    if (this.abort.signal.aborted) return;
    if (this.again) {
      this.again = false;
      next = 0;
    }
    this.timer = setTimeout(() => void this.probe(), next);
  }

  /** The EdgePush device's event stream, when it has one: any event triggers a probe (debounced). */
  private async followEvents(): Promise<void> {
    let debounce: ReturnType<typeof setTimeout> | undefined;
    const onEvent = () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => this.poke(), 150);
    };
    while (!this.abort.signal.aborted) {
      let hasStream: boolean;
      try {
        hasStream = await (
          await clientFor(this.address)
        ).subscribeEvents({ onEvent, signal: this.abort.signal, connectTimeoutMs: CALL_TIMEOUT_MS });
      } catch {
        hasStream = true; // the device is down: try again later
      }
      if (!hasStream) return; // a real balenaOS device: polling only
      await new Promise((r) => setTimeout(r, 2000));
    }
    clearTimeout(debounce);
  }

  dispose(): void {
    this.abort.abort();
    clearTimeout(this.timer);
  }
}

export class DeviceMonitor extends Disposable {
  private readonly watches = new Map<string, DeviceWatch>();

  constructor(private readonly store: DeviceStore) {
    super();
    this._register(store.onDidChange(() => this.sync()));
    this._register(toDisposable(() => this.watches.forEach((w) => w.dispose())));
    this.sync();
  }

  /** Starts a watch for every device in the store, stops those of removed devices. */
  private sync(): void {
    if (this.isDisposed) return;
    const addresses = new Set(this.store.all().map((d) => d.address));
    for (const a of addresses) if (!this.watches.has(a)) this.watches.set(a, new DeviceWatch(this.store, a));
    for (const [a, w] of this.watches) {
      if (!addresses.has(a)) {
        w.dispose();
        this.watches.delete(a);
      }
    }
  }

  /** Probe one device (or all) now. */
  refresh(address?: string): void {
    for (const [a, w] of this.watches) if (!address || a === address) w.poke();
  }
}
