// De-duplication of log lines across reconnects of `/v2/local/logs`. A device may replay some recent lines when a
// follower reconnects (the EdgePush device replays a backlog; a real supervisor does not): lines already delivered
// must not be delivered again, and new lines must never be dropped, even when a program prints the same text twice
// in one millisecond. Identity is (timestamp, service, stream, message) with a count, per connection.
import type { DeviceLogLine } from './types.js';

export function logLineKey(l: DeviceLogLine): string {
  return `${l.timestamp ?? ''}\u0000${l.serviceName ?? ''}\u0000${l.isStdErr ? 1 : 0}\u0000${l.isSystem ? 1 : 0}\u0000${l.message}`;
}

export class LogDeduper {
  /** How many times each key was delivered in total (max over connections). */
  private delivered = new Map<string, number>();
  /** How many times each key was seen on the current connection. */
  private current = new Map<string, number>();
  /** Lines older than this were evicted from memory: on a reconnect, treat them as already delivered. */
  private evictedUpTo = -Infinity;
  private connections = 0;

  constructor(private readonly capacity = 20_000) {}

  /** Call when a new connection starts (including the first). */
  newConnection(): void {
    this.current = new Map();
    this.connections++;
  }

  /** True when the line should be delivered. */
  accept(line: DeviceLogLine): boolean {
    // Lines without a timestamp (the "Streaming logs" greeting) cannot be matched: greet once only.
    if (line.timestamp === undefined) {
      if (line.isSystem && line.message === 'Streaming logs') return this.connections <= 1;
      return true;
    }
    if (this.connections > 1 && line.timestamp <= this.evictedUpTo) return false;
    const key = logLineKey(line);
    const n = (this.current.get(key) ?? 0) + 1;
    this.current.set(key, n);
    const before = this.delivered.get(key) ?? 0;
    if (n <= before) return false;
    this.delivered.delete(key); // re-insert to keep insertion order ≈ recency
    this.delivered.set(key, n);
    this.evict();
    return true;
  }

  private evict(): void {
    while (this.delivered.size > this.capacity) {
      const oldest = this.delivered.keys().next().value as string;
      this.delivered.delete(oldest);
      const ts = Number(oldest.slice(0, oldest.indexOf('\u0000')));
      if (Number.isFinite(ts) && ts > this.evictedUpTo) this.evictedUpTo = ts;
    }
  }
}
