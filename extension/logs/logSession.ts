// Follows one device's logs for as long as the extension runs: lines go into a bounded LogBuffer (so the panel
// can be closed and reopened without losing history) and out in batches to whoever listens. The follower
// reconnects on its own across container restarts and device reboots; each reconnect leaves a marker.
// No `vscode` import.
import type { LogEntry } from '../../webview/protocol.js';
import { clientFor } from '../devices/deviceAccess.js';
import { Batcher } from '../webviews/batcher.js';
import { LogBuffer, type IncomingLine } from './logBuffer.js';
import { Disposable, Emitter, toDisposable } from '../lifecycle.js';
import { messageOf } from '../../simulator/shared/errors.js';

export class LogSession extends Disposable {
  readonly buffer: LogBuffer;
  private readonly abort = new AbortController();
  private readonly appended = this._register(new Emitter<LogEntry[]>());
  /** Batches of new entries, at most every 50 ms. */
  readonly onDidAppend = this.appended.event;
  private readonly batcher: Batcher<LogEntry>;
  private wasDown = false;

  constructor(
    readonly address: string,
    capacity: number,
    follow = true,
  ) {
    super();
    this.buffer = new LogBuffer(capacity);
    this.batcher = this._register(new Batcher<LogEntry>((items) => this.appended.fire(items), 50, capacity));
    this._register(toDisposable(() => this.abort.abort()));
    if (follow) void this.follow();
  }

  /** Adds a line as if it came from the device (also used by tests and the benchmark). */
  addLine(line: IncomingLine): void {
    this.batcher.add(this.buffer.pushLine(line));
  }

  addReconnect(reason: string): void {
    this.batcher.add(this.buffer.pushReconnect(reason));
  }

  clear(): void {
    this.batcher.flush();
    this.buffer.clear();
  }

  private async follow(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        await (
          await clientFor(this.address)
        ).followLogs({
          signal: this.abort.signal,
          onLine: (l) => this.addLine(l),
          onReconnect: (info) => {
            this.wasDown = false;
            this.addReconnect(info.reason || 'stream re-established');
          },
          onDisconnect: (reason) => {
            if (!this.wasDown)
              this.batcher.add(this.buffer.pushLine({ message: `Log stream lost: ${reason}; reconnecting…`, isSystem: true }));
            this.wasDown = true;
          },
        });
      } catch (err) {
        if (this.abort.signal.aborted) return;
        this.addLine({ message: `Log stream error: ${messageOf(err)}`, isSystem: true });
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
  }
}
