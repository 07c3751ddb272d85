// Collects items and hands them over in batches at most every `intervalMs`, so a device printing thousands of
// lines a second (or a build printing hundreds of steps into the dashboard) costs a few messages a second to a
// webview. A batch larger than `maxBatch` keeps only its
// newest items (the panel could not show more anyway) and says how many it dropped.
import type { IDisposable } from '../lifecycle.js';

export interface Timer {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const realTimer: Timer = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class Batcher<T> implements IDisposable {
  private pending: T[] = [];
  private dropped = 0;
  private handle: unknown;

  constructor(
    private readonly flushTo: (items: T[], dropped: number) => void,
    private readonly intervalMs = 50,
    private readonly maxBatch = 5000,
    private readonly timer: Timer = realTimer,
  ) {}

  add(item: T): void {
    this.pending.push(item);
    if (this.pending.length > this.maxBatch) {
      const over = this.pending.length - this.maxBatch;
      this.pending.splice(0, over);
      this.dropped += over;
    }
    if (this.handle === undefined) this.handle = this.timer.set(() => this.flush(), this.intervalMs);
  }

  flush(): void {
    if (this.handle !== undefined) this.timer.clear(this.handle);
    this.handle = undefined;
    if (this.pending.length === 0) return;
    const items = this.pending;
    const dropped = this.dropped;
    this.pending = [];
    this.dropped = 0;
    this.flushTo(items, dropped);
  }

  dispose(): void {
    if (this.handle !== undefined) this.timer.clear(this.handle);
    this.handle = undefined;
    this.pending = [];
  }
}
