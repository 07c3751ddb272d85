// A device's log history for the log panel: a bounded ring of entries (service lines, system lines, reconnect
// markers) so memory stays flat however long the stream runs. Plain TypeScript, unit-tested.
import type { LogEntry } from '../../webview/protocol.js';

export interface IncomingLine {
  message: string;
  timestamp?: number;
  serviceName?: string;
  isStdErr?: boolean;
  isSystem?: boolean;
  /** Lines were lost here: a marker the panel always shows. */
  gap?: boolean;
}

export class LogBuffer {
  private ring: (LogEntry | undefined)[];
  private start = 0;
  private count = 0;
  private nextSeq = 1;

  constructor(private capacity: number) {
    this.ring = new Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  get limit(): number {
    return this.capacity;
  }

  /** Adds a line from the device's log stream and returns the entry made for it. */
  pushLine(line: IncomingLine, now = Date.now()): LogEntry {
    const system = line.isSystem === true || line.serviceName === undefined;
    return this.append({
      seq: 0,
      timestamp: line.timestamp ?? now,
      kind: line.gap ? 'gap' : system ? 'system' : 'line',
      service: system ? undefined : line.serviceName,
      message: line.message,
      stderr: line.isStdErr === true ? true : undefined,
    });
  }

  /** A visible marker where the stream was re-established (lines before and after it are not duplicated). */
  pushReconnect(reason: string, now = Date.now()): LogEntry {
    return this.append({ seq: 0, timestamp: now, kind: 'reconnect', message: reason });
  }

  private append(e: LogEntry): LogEntry {
    const entry = { ...e, seq: this.nextSeq++ };
    const at = (this.start + this.count) % this.capacity;
    this.ring[at] = entry;
    if (this.count < this.capacity) this.count++;
    else this.start = (this.start + 1) % this.capacity;
    return entry;
  }

  /** Oldest first. */
  entries(): LogEntry[] {
    const out: LogEntry[] = [];
    for (let i = 0; i < this.count; i++) {
      const e = this.ring[(this.start + i) % this.capacity];
      if (e) out.push(e);
    }
    return out;
  }

  clear(): void {
    this.ring = new Array(this.capacity);
    this.start = 0;
    this.count = 0;
  }

  /** Changes the capacity, keeping the newest entries. */
  resize(capacity: number): void {
    const kept = this.entries().slice(-capacity);
    this.capacity = capacity;
    this.ring = new Array(capacity);
    this.start = 0;
    this.count = 0;
    for (const e of kept) {
      this.ring[this.count++] = e;
    }
  }
}
