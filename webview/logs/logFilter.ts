// Which log entries the panel shows: by service, system lines on or off, stderr only, and a text filter.
// Reconnect markers and gap notices (lines lost to a flood or a slow reader) are always shown, so a gap in the
// stream is never hidden. Pure, unit-tested.
import type { LogEntry } from '../protocol.js';

export interface LogFilter {
  /** Services hidden by the user (unknown services are shown). */
  hiddenServices: ReadonlySet<string>;
  showSystem: boolean;
  stderrOnly: boolean;
  text: string;
}

export const defaultFilter = (): LogFilter => ({ hiddenServices: new Set(), showSystem: true, stderrOnly: false, text: '' });

export function matches(e: LogEntry, f: LogFilter): boolean {
  if (e.kind === 'reconnect' || e.kind === 'gap') return true;
  if (e.kind === 'system') {
    if (!f.showSystem || f.stderrOnly) return false;
  } else {
    if (e.service !== undefined && f.hiddenServices.has(e.service)) return false;
    if (f.stderrOnly && !e.stderr) return false;
  }
  return (
    f.text === '' || e.message.toLowerCase().includes(f.text.toLowerCase()) || (e.service ?? '').toLowerCase() === f.text.toLowerCase()
  );
}

/** Service names seen in the entries, sorted. */
export function servicesIn(entries: readonly LogEntry[], known: Iterable<string> = []): string[] {
  const s = new Set(known);
  for (const e of entries) if (e.service) s.add(e.service);
  return [...s].sort();
}
