// The log panel's lines as text (copy, save) and its search over every buffered line. Pure.
import { formatClock } from '../format.js';
import type { LogEntry } from '../protocol.js';

/** `12:00:01.123 [main] text`, local time, as the CLI prints it (stderr marked `!`). */
export function entryText(e: LogEntry): string {
  if (e.kind === 'reconnect') return `${formatClock(e.timestamp)} --- reconnected (${e.message}) ---`;
  const who = e.kind === 'system' ? 'system' : (e.service ?? '');
  return `${formatClock(e.timestamp)} [${who}]${e.stderr ? '!' : ''} ${e.message}`;
}

export function linesText(entries: readonly LogEntry[]): string {
  return entries.map(entryText).join('\n');
}

/** Indices (into `entries`) of the lines whose message or service contains `query`, case-insensitive. */
export function findMatches(entries: readonly LogEntry[], query: string): number[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const out: number[] = [];
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (e.message.toLowerCase().includes(q) || (e.service ?? '').toLowerCase().includes(q)) out.push(i);
  }
  return out;
}

/** The selected lines by `seq`: click selects one, shift-click a range from the anchor, ctrl/cmd-click toggles. */
export class LineSelection {
  private readonly seqs = new Set<number>();
  private anchor: number | undefined;

  has(seq: number): boolean {
    return this.seqs.has(seq);
  }

  get size(): number {
    return this.seqs.size;
  }

  click(entries: readonly LogEntry[], seq: number, mode: 'one' | 'range' | 'toggle'): void {
    if (mode === 'toggle') {
      if (!this.seqs.delete(seq)) this.seqs.add(seq);
      this.anchor = seq;
      return;
    }
    if (mode === 'range' && this.anchor !== undefined) {
      const a = entries.findIndex((e) => e.seq === this.anchor);
      const b = entries.findIndex((e) => e.seq === seq);
      if (a >= 0 && b >= 0) {
        this.seqs.clear();
        for (let i = Math.min(a, b); i <= Math.max(a, b); i++) this.seqs.add(entries[i]!.seq);
        return;
      }
    }
    this.seqs.clear();
    this.seqs.add(seq);
    this.anchor = seq;
  }

  all(entries: readonly LogEntry[]): void {
    this.seqs.clear();
    for (const e of entries) this.seqs.add(e.seq);
  }

  clear(): void {
    this.seqs.clear();
    this.anchor = undefined;
  }

  /** The selected entries, in order. */
  of(entries: readonly LogEntry[]): LogEntry[] {
    return entries.filter((e) => this.seqs.has(e.seq));
  }
}
