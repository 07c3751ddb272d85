// What the dashboard shows, kept by the host whether or not the panel is open: the target device, the running
// push, the last pushes, livepush on/off. Plain TypeScript with one change event.
import type { PushEvent } from '../../simulator/push/types.js';
import type { DashboardState, DeviceView, PushView } from '../../webview/protocol.js';
import type { DeviceRecord } from '../devices/deviceRecord.js';
import { Emitter } from '../lifecycle.js';
import { addToHistory, applyPushEvent, finishPush, startPush } from './pushModel.js';

export function deviceView(d: DeviceRecord): DeviceView {
  return {
    address: d.address,
    name: d.name,
    source: d.source,
    online: d.online,
    deviceType: d.deviceType,
    arch: d.arch,
    supervisorVersion: d.supervisorVersion,
    release: d.release,
    linkRate: d.linkRate,
    services: d.services.map((s) => ({ name: s.name, status: s.status })),
  };
}

export class DashboardModel {
  private target: DeviceView | undefined;
  private current: PushView | undefined;
  private history: PushView[] = [];
  private livepush = true;
  private nextId = 1;
  private readonly changed = new Emitter<void>();
  readonly onDidChange = this.changed.event;

  state(): DashboardState {
    return { target: this.target, current: this.current, history: this.history, livepush: this.livepush };
  }

  get running(): PushView | undefined {
    return this.current?.status === 'running' ? this.current : undefined;
  }

  setTarget(d: DeviceRecord | undefined): void {
    const next = d ? deviceView(d) : undefined;
    if (JSON.stringify(next) === JSON.stringify(this.target)) return;
    this.target = next;
    this.changed.fire();
  }

  setLivepush(on: boolean): void {
    if (this.livepush === on) return;
    this.livepush = on;
    this.changed.fire();
  }

  begin(device: string, project: string, now = Date.now(), linkBitsPerSecond?: number): number {
    const id = this.nextId++;
    this.current = startPush(id, device, project, now, linkBitsPerSecond);
    this.changed.fire();
    return id;
  }

  event(id: number, e: PushEvent, now = Date.now()): void {
    if (this.current?.id !== id) return;
    this.current = applyPushEvent(this.current, e, now);
    this.changed.fire();
  }

  end(id: number, status: 'succeeded' | 'failed' | 'cancelled', error?: string, now = Date.now()): void {
    if (this.current?.id !== id) return;
    this.current = finishPush(this.current, status, now, error);
    this.history = addToHistory(this.history, this.current);
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }
}
