// The set of devices the extension shows, keyed by address, with one change event. Plain TypeScript: the tree,
// the status bar and the dashboard all listen to it.
import { Emitter } from '../lifecycle.js';
import type { DeviceRecord, DeviceSource } from './deviceRecord.js';
import { newRecord } from './deviceRecord.js';
import { notFound } from '../../simulator/shared/errors.js';

/** Where a device came from, in order of precedence when one address is known several ways. */
const precedence: DeviceSource[] = ['simulated', 'board', 'manual', 'mdns'];

export class DeviceStore {
  private readonly records = new Map<string, DeviceRecord>();
  private readonly changed = new Emitter<DeviceRecord | undefined>();
  /** Fires with the device that changed, or undefined when several did. */
  readonly onDidChange = this.changed.event;

  all(): DeviceRecord[] {
    return [...this.records.values()];
  }

  get(address: string): DeviceRecord | undefined {
    return this.records.get(address);
  }

  /** Adds a device, or re-labels a known one when the new source takes precedence. */
  add(address: string, source: DeviceSource, name?: string, linkRate?: string): DeviceRecord {
    const existing = this.records.get(address);
    if (existing) {
      if (precedence.indexOf(source) < precedence.indexOf(existing.source)) {
        return this.update(address, { source, name: name ?? existing.name, linkRate: linkRate ?? existing.linkRate });
      }
      return existing;
    }
    const rec = newRecord(address, source, name, linkRate);
    this.records.set(address, rec);
    this.changed.fire(rec);
    return rec;
  }

  update(address: string, patch: Partial<Omit<DeviceRecord, 'address'>>): DeviceRecord {
    const existing = this.records.get(address);
    if (!existing) throw notFound(`unknown device ${address}`);
    const next = { ...existing, ...patch };
    if (sameRecord(existing, next)) return existing;
    this.records.set(address, next);
    this.changed.fire(next);
    return next;
  }

  remove(address: string): boolean {
    const had = this.records.delete(address);
    if (had) this.changed.fire(undefined);
    return had;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

function sameRecord(a: DeviceRecord, b: DeviceRecord): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
