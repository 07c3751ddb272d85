// Follows a booting board: reads new console bytes as they arrive, turns lines into phases, probes the forwarded
// supervisor (and engine) ports, and notices when QEMU dies. Resolves once the wanted phase is reached.
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import { PhaseTracker, type PhaseEvent } from './consolePhases.js';
import { cancelled, unavailable } from '../shared/errors.js';

export interface WatchOptions {
  consoleLog: string;
  address: string;
  startedAt: number;
  alive: () => boolean;
  /** 'online': the supervisor answers /ping; 'engine': the forwarded engine answers /_ping. */
  until: 'online' | 'engine';
  timeoutMs: number;
  /** The guest was restored from a saved state: it prints no boot lines, the supervisor is probed at once. */
  restored?: boolean;
  onPhase?: (e: PhaseEvent) => void;
  signal?: AbortSignal;
}

export async function httpOk(url: string, timeoutMs = 2000): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

export const supervisorPing = (address: string) => `http://${address}:48484/ping`;
export const enginePing = (address: string) => `http://${address}:2375/_ping`;

/** Reads a growing file from where it was left off; hands back complete lines. */
export class LogFollower {
  private offset = 0;
  private partial = '';
  constructor(private readonly file: string) {}

  poll(): string[] {
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch {
      return [];
    }
    try {
      const size = fstatSync(fd).size;
      if (size < this.offset) this.offset = 0;
      if (size === this.offset) return [];
      const buf = Buffer.alloc(size - this.offset);
      readSync(fd, buf, 0, buf.length, this.offset);
      this.offset = size;
      const lines = (this.partial + buf.toString('utf8')).split(/\r?\n/);
      this.partial = lines.pop() ?? '';
      return lines;
    } finally {
      closeSync(fd);
    }
  }
}

export async function watchBoot(opts: WatchOptions): Promise<PhaseEvent[]> {
  const events: PhaseEvent[] = [];
  const tracker = new PhaseTracker((e) => {
    events.push(e);
    opts.onPhase?.(e);
  });
  const follower = new LogFollower(opts.consoleLog);
  const since = () => Math.round((Date.now() - opts.startedAt) / 100) / 10;
  const deadline = opts.startedAt + opts.timeoutMs;
  tracker.mark('qemu', 0); // times count from QEMU's start
  if (opts.restored) tracker.mark('restored', since());
  for (;;) {
    if (opts.signal?.aborted) throw cancelled('board start cancelled');
    for (const line of follower.poll()) tracker.line(line, since());
    if (!opts.alive()) throw unavailable('QEMU exited while the board was booting (see the board log)');
    if (tracker.has('init') || opts.restored) {
      // a restored guest answers within moments; a probe whose first SYN it missed would wait for QEMU's user-mode
      // TCP to resend it (a second), so it is probed with short, frequent attempts instead
      if (opts.until === 'online' && (await httpOk(supervisorPing(opts.address), opts.restored ? 400 : 1500))) {
        tracker.mark('online', since());
        return events;
      }
      // the console says the engine socket exists; the caller wants it answering through the forward too
      if (opts.until === 'engine' && tracker.has('engine') && (await httpOk(enginePing(opts.address), 1500))) return events;
    }
    if (Date.now() > deadline) {
      throw unavailable(`the board did not reach '${opts.until}' within ${Math.round(opts.timeoutMs / 1000)} s (see the board log)`);
    }
    await new Promise((r) => setTimeout(r, opts.restored ? 50 : 200));
  }
}
