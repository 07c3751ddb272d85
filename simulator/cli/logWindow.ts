// `edgepush logs --since` and `--tail` as docker has them. Pure: parsing and the tail buffer.
import { UsageError } from './command.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `--since`: a duration before now (`90s`, `10m`, `1h30m`, `2d`), a date-time (`2024-05-01T12:00:00Z`, or a
 * local `2024-05-01 12:00`), or Unix seconds (`1714564800`, `1714564800.5`). Returns ms since the epoch.
 */
export function parseSince(text: string, now = Date.now()): number {
  const t = text.trim();
  if (/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(t)) {
    let ms = 0;
    for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) ms += Number(m[1]) * UNITS[m[2]!]!;
    return now - ms;
  }
  if (/^\d{9,}(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  const at = Date.parse(t.includes('T') || !/^\d{4}-\d\d-\d\d \d/.test(t) ? t : t.replace(' ', 'T'));
  if (Number.isFinite(at)) return at;
  throw new UsageError(`--since expects a duration (10m, 1h30m), a date-time (2024-05-01T12:00:00Z) or Unix seconds, got '${text}'`);
}

export function parseTail(text: string | undefined): number | undefined {
  if (text === undefined || text === 'all') return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`--tail expects a number of lines or 'all', got '${text}'`);
  return Number(text);
}

/**
 * Holds back the lines the device replays (older than `startedAt`) and lets out only the last `tail` of them, at
 * the first live line or at `flush()`; live lines then pass straight through.
 */
export class TailBuffer<T extends { timestamp?: number }> {
  private held: T[] = [];
  private live = false;

  constructor(
    private readonly tail: number | undefined,
    private readonly startedAt: number,
    private readonly out: (line: T) => void,
  ) {}

  push(line: T): void {
    if (this.live || this.tail === undefined) return this.out(line);
    // A line without a time (the stream's own greeting) is held like the replay: it says nothing about being new.
    if (line.timestamp !== undefined && line.timestamp >= this.startedAt) {
      this.flush();
      return this.out(line);
    }
    this.held.push(line);
    if (this.held.length > this.tail) this.held.shift();
  }

  /** Lets the held lines out; everything after passes straight through. */
  flush(): void {
    if (this.live) return;
    this.live = true;
    const held = this.held;
    this.held = [];
    for (const l of held) this.out(l);
  }
}
