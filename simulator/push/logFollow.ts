// Following `/v2/local/logs` with automatic reconnect: the stream is reopened whenever it ends, errors, or the
// device stops answering `/ping` (a silent stall), with a capped back-off; replayed lines are dropped by LogDeduper.
import { messageOf, unavailable } from '../shared/errors.js';
import { LogDeduper } from './logDedup.js';
import { LineSplitter, readBody } from '../shared/lineStream.js';
import { DeviceLogLineSchema, type DeviceLogLine } from './types.js';

export interface FollowLogsOptions {
  onLine: (line: DeviceLogLine) => void;
  /** Called when the stream is re-established after a gap; `attempt` counts failed tries since the gap began. */
  onReconnect?: (info: { attempt: number; reason: string }) => void;
  /** Called when a connection attempt fails (the follower keeps trying). */
  onDisconnect?: (reason: string) => void;
  signal: AbortSignal;
  /** Only these services (undefined: every service; []: none). System lines are kept unless `system === false`. */
  services?: string[];
  /** Include system lines (default true). */
  system?: boolean;
  /** Stop once the stream has been quiet this long (ms) instead of following for ever: `logs --no-follow`. */
  stopWhenIdleMs?: number;
  /** Ask the device to replay lines from this time (ms) on the first connection (an EdgePush device keeps a backlog). */
  since?: number;
  /** How often liveness is checked with `/ping` while the stream is quiet (ms, default 5000). */
  livenessMs?: number;
}

interface LogSource {
  host: string;
  openLogStream(signal: AbortSignal, since?: number): Promise<ReadableStream<Uint8Array>>;
  ping(o?: { signal?: AbortSignal; timeoutMs?: number }): Promise<void>;
}

export function parseLogLine(text: string): DeviceLogLine | undefined {
  if (!text.trim()) return undefined;
  try {
    const r = DeviceLogLineSchema.safeParse(JSON.parse(text));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

export function wantedLine(line: DeviceLogLine, services: string[] | undefined, system: boolean): boolean {
  if (line.gap) return true; // a loss is never filtered out of view
  const isSystem = line.isSystem === true || line.serviceName === undefined;
  if (isSystem) return system;
  return !services || services.includes(line.serviceName!);
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

export async function followLogStream(source: LogSource, opts: FollowLogsOptions): Promise<void> {
  const dedup = new LogDeduper();
  const system = opts.system !== false;
  let failures = 0;
  let connectedOnce = false;
  let lastReason = '';
  let lastTimestamp: number | undefined;
  let firstConnectAt: number | undefined;
  while (!opts.signal.aborted) {
    const conn = new AbortController();
    const signal = AbortSignal.any([opts.signal, conn.signal]);
    let idleTimer: NodeJS.Timeout | undefined;
    let liveness: NodeJS.Timeout | undefined;
    let stoppedIdle = false;
    try {
      const body = await source.openLogStream(signal, connectedOnce ? (lastTimestamp ?? firstConnectAt) : opts.since);
      firstConnectAt ??= Date.now();
      if (connectedOnce) opts.onReconnect?.({ attempt: failures, reason: lastReason });
      connectedOnce = true;
      failures = 0;
      dedup.newConnection();
      const armIdle = () => {
        if (opts.stopWhenIdleMs === undefined) return;
        clearTimeout(idleTimer);
        idleTimer = setTimeout(() => {
          stoppedIdle = true;
          conn.abort();
        }, opts.stopWhenIdleMs);
      };
      armIdle();
      let missedPings = 0;
      liveness = setInterval(() => {
        source.ping({ signal, timeoutMs: 3000 }).then(
          () => (missedPings = 0),
          () => {
            if (++missedPings >= 2) conn.abort();
          },
        );
      }, opts.livenessMs ?? 5000);
      const splitter = new LineSplitter();
      await readBody(
        body,
        (chunk) => {
          armIdle();
          for (const text of splitter.push(chunk)) {
            const line = parseLogLine(text);
            if (line?.timestamp !== undefined && (lastTimestamp === undefined || line.timestamp > lastTimestamp))
              lastTimestamp = line.timestamp;
            if (line && dedup.accept(line) && wantedLine(line, opts.services, system)) opts.onLine(line);
          }
        },
        signal,
      );
      lastReason = conn.signal.aborted ? 'device stopped answering' : 'log stream ended';
    } catch (err) {
      lastReason = messageOf(err);
    } finally {
      clearTimeout(idleTimer);
      clearInterval(liveness);
      conn.abort();
    }
    if (stoppedIdle || opts.signal.aborted) return;
    if (opts.stopWhenIdleMs !== undefined && !connectedOnce && failures >= 2) throw unavailable(lastReason);
    opts.onDisconnect?.(lastReason);
    failures++;
    await sleep(Math.min(2000, 200 * 2 ** Math.min(failures, 4)), opts.signal);
  }
}
