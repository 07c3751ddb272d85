// The device's log stream: system lines and service output fan out to every follower of /v2/local/logs.
// A follower that cannot keep up loses lines instead of stalling the device, and is told: a notice with
// `gap: true` (and how many lines) comes as soon as its connection drains. Readers keep `gap` lines whatever
// they filter on (service, system), so a loss is never silent in any view.
import type { ServerResponse } from 'node:http';

export interface LogLine {
  message: string;
  timestamp: number;
  isSystem?: boolean;
  serviceName?: string;
  serviceId?: number;
  appId?: number;
  isStdErr?: boolean;
  /** Lines were lost at this point (a slow reader, or output faster than the device forwards): always shown. */
  gap?: boolean;
}

const MAX_QUEUED_BYTES = 1 << 20;
const BACKLOG_LINES = 2000;

interface Follower {
  res: ServerResponse;
  dropped: number;
}

export class LogHub {
  private readonly followers = new Set<Follower>();
  /** A ring of the last BACKLOG_LINES lines (the oldest at `head` once full). */
  private readonly backlog: LogLine[] = [];
  private head = 0;
  private readonly listeners = new Set<(l: LogLine) => void>();

  system(message: string): void {
    this.publish({ message, timestamp: Date.now(), isSystem: true });
  }

  service(serviceName: string, serviceId: number, appId: number, message: string, isStdErr: boolean, timestamp = Date.now()): void {
    this.publish({ serviceName, serviceId, appId, message, timestamp, isStdErr });
  }

  publish(line: LogLine): void {
    if (this.backlog.length < BACKLOG_LINES) this.backlog.push(line);
    else {
      this.backlog[this.head] = line;
      this.head = (this.head + 1) % BACKLOG_LINES;
    }
    if (this.followers.size > 0) {
      const text = `${JSON.stringify(line)}\n`; // once, whatever the number of followers
      for (const f of this.followers) this.write(f, text);
    }
    for (const l of this.listeners) l(line);
  }

  /** Lines kept in memory with timestamp >= since (the most recent BACKLOG_LINES at most), oldest first. */
  since(since: number): LogLine[] {
    const ordered =
      this.backlog.length < BACKLOG_LINES ? this.backlog : [...this.backlog.slice(this.head), ...this.backlog.slice(0, this.head)];
    return ordered.filter((l) => l.timestamp >= since);
  }

  onLine(fn: (l: LogLine) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Streams NDJSON to `res` until the client goes away. `replay` lines are sent first. */
  follow(res: ServerResponse, replay: LogLine[]): void {
    const f: Follower = { res, dropped: 0 };
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
    res.write(`${JSON.stringify({ message: 'Streaming logs', isSystem: true })}\n`);
    for (const l of replay) this.write(f, `${JSON.stringify(l)}\n`);
    this.followers.add(f);
    const done = () => this.followers.delete(f);
    res.on('close', done);
    res.on('error', done);
    res.on('drain', () => {
      if (f.dropped > 0) {
        const n = f.dropped;
        f.dropped = 0;
        const notice: LogLine = { message: `${n} log lines dropped (slow reader)`, timestamp: Date.now(), isSystem: true, gap: true };
        res.write(`${JSON.stringify(notice)}\n`);
      }
    });
  }

  followerCount(): number {
    return this.followers.size;
  }

  close(): void {
    for (const f of this.followers) f.res.end();
    this.followers.clear();
  }

  private write(f: Follower, text: string): void {
    if (f.res.writableLength > MAX_QUEUED_BYTES) {
      f.dropped++;
      return;
    }
    f.res.write(text);
  }
}
