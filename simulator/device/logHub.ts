// The device's log stream: system lines and service output fan out to every follower of /v2/local/logs.
// A follower that cannot keep up loses lines (counted and reported to it) instead of stalling the device.
import type { ServerResponse } from 'node:http';

export interface LogLine {
  message: string;
  timestamp: number;
  isSystem?: boolean;
  serviceName?: string;
  serviceId?: number;
  appId?: number;
  isStdErr?: boolean;
}

const MAX_QUEUED_BYTES = 1 << 20;
const BACKLOG_LINES = 2000;

interface Follower {
  res: ServerResponse;
  queued: number;
  dropped: number;
}

export class LogHub {
  private readonly followers = new Set<Follower>();
  private readonly backlog: LogLine[] = [];
  private readonly listeners = new Set<(l: LogLine) => void>();

  system(message: string): void {
    this.publish({ message, timestamp: Date.now(), isSystem: true });
  }

  service(serviceName: string, serviceId: number, appId: number, message: string, isStdErr: boolean, timestamp = Date.now()): void {
    this.publish({ serviceName, serviceId, appId, message, timestamp, isStdErr });
  }

  publish(line: LogLine): void {
    this.backlog.push(line);
    if (this.backlog.length > BACKLOG_LINES) this.backlog.splice(0, this.backlog.length - BACKLOG_LINES);
    for (const f of this.followers) this.write(f, line);
    for (const l of this.listeners) l(line);
  }

  /** Lines kept in memory with timestamp >= since (the most recent BACKLOG_LINES at most). */
  since(since: number): LogLine[] {
    return this.backlog.filter((l) => l.timestamp >= since);
  }

  onLine(fn: (l: LogLine) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Streams NDJSON to `res` until the client goes away. `replay` lines are sent first. */
  follow(res: ServerResponse, replay: LogLine[]): void {
    const f: Follower = { res, queued: 0, dropped: 0 };
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
    res.write(`${JSON.stringify({ message: 'Streaming logs', isSystem: true })}\n`);
    for (const l of replay) this.write(f, l);
    this.followers.add(f);
    const done = () => this.followers.delete(f);
    res.on('close', done);
    res.on('error', done);
    res.on('drain', () => {
      f.queued = res.writableLength;
      if (f.dropped > 0) {
        const n = f.dropped;
        f.dropped = 0;
        this.write(f, { message: `${n} log lines dropped (slow reader)`, timestamp: Date.now(), isSystem: true });
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

  private write(f: Follower, line: LogLine): void {
    if (f.res.writableLength > MAX_QUEUED_BYTES) {
      f.dropped++;
      return;
    }
    f.res.write(`${JSON.stringify(line)}\n`);
    f.queued = f.res.writableLength;
  }
}
