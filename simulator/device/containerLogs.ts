// Follows the stdout/stderr of this device's containers through the engine and feeds the LogHub. Output is
// followed again from the last seen timestamp whenever a container (re)starts, so lines survive restarts
// without duplicates. A container that prints faster than the device forwards falls behind; once its lines
// are more than MAX_LAG_MS old, the device skips to the present (the engine keeps the skipped lines) and says
// so in the service's own log, so the lag after a flood stays bounded and the loss visible.
import { PassThrough, type Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { LogHub } from './logHub.js';
import { L } from './containerSpec.js';
import { LineSplitter } from '../shared/lineStream.js';

interface Followed {
  lastNs: bigint;
  active: boolean;
}

/** How far behind the present a container's log may fall before the device skips ahead. */
export const MAX_LAG_MS = 5000;
/** Lines of a container's earlier output replayed when the agent starts following it. */
const HISTORY_LINES = 2000;

// Lines of one second share their date and time: the seconds are parsed once per second, not once per line.
let cachedSecond = '';
let cachedSeconds = 0n;

function parseTimestamp(ts: string): bigint | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(ts);
  if (!m) return undefined;
  if (m[1] !== cachedSecond) {
    cachedSecond = m[1]!;
    cachedSeconds = BigInt(Math.floor(Date.parse(`${cachedSecond}Z`) / 1000));
  }
  const frac = BigInt((m[2] ?? '').padEnd(9, '0').slice(0, 9));
  return cachedSeconds * 1_000_000_000n + frac;
}

export class ContainerLogs {
  private readonly followed = new Map<string, Followed>();
  private readonly streams = new Set<Readable>();
  private closed = false;

  constructor(
    private readonly docker: Docker,
    private readonly hub: LogHub,
  ) {}

  /** Starts following a container's output (no-op when already following). */
  async follow(containerId: string): Promise<void> {
    if (this.closed) return;
    const f = this.followed.get(containerId) ?? { lastNs: 0n, active: false };
    this.followed.set(containerId, f);
    if (f.active) return;
    f.active = true;
    try {
      const c = this.docker.getContainer(containerId);
      const info = await c.inspect();
      const labels = info.Config.Labels ?? {};
      const who = {
        serviceName: labels[L.service] ?? info.Name.replace(/^\//, ''),
        serviceId: Number(labels[L.serviceId] ?? 0),
        appId: Number(labels[L.app] ?? 0),
      };
      for (let skipped = false; ; skipped = true) {
        const behindFrom = await this.stream(c, f, who, Boolean(info.Config.Tty), skipped);
        if (behindFrom === undefined || this.closed) break;
        // Fell behind: skip to now. Lines up to now that the engine still sends are dropped by lastNs.
        const nowNs = BigInt(Date.now()) * 1_000_000n;
        this.hub.publish({
          ...who,
          message: `log lines from ${clock(behindFrom)} to ${clock(nowNs)} skipped: the service printed faster than the device forwards`,
          timestamp: Date.now(),
          isStdErr: false,
          gap: true,
        });
        f.lastNs = nowNs;
      }
    } catch {
      // container gone: nothing more to follow
    } finally {
      f.active = false;
    }
  }

  /** Follows until the stream ends (undefined) or falls behind by MAX_LAG_MS (the time it was at, in ns).
   *  After a skip it starts at the end of the engine's log (`tail=0`: a seek, where `since` would make the
   *  engine read the whole flood again to find the present). */
  private async stream(
    c: Docker.Container,
    f: Followed,
    who: { serviceName: string; serviceId: number; appId: number },
    tty: boolean,
    fromEnd: boolean,
  ): Promise<bigint | undefined> {
    // The first follow of a container by this agent (a new container, or any after the agent restarted) replays
    // at most the last HISTORY_LINES (a seek from the end); later ones continue from the last line seen.
    const from = fromEnd ? { tail: 0 } : f.lastNs === 0n ? { tail: HISTORY_LINES } : { since: Number(f.lastNs / 1_000_000_000n) };
    const opts = { follow: true as const, stdout: true, stderr: true, timestamps: true, ...from };
    const raw = (await c.logs(opts)) as unknown as Readable;
    this.streams.add(raw);
    raw.on('close', () => this.streams.delete(raw));
    let behind: bigint | undefined;
    // Lines from before this follow began (the replayed history) cannot fall behind; live output can.
    const liveFromMs = Date.now();
    const emit = (isStdErr: boolean) => (text: string) => {
      if (behind !== undefined) return;
      const sp = text.indexOf(' ');
      const ns = parseTimestamp(sp > 0 ? text.slice(0, sp) : '');
      if (ns !== undefined && ns <= f.lastNs) return; // already delivered before a restart
      let ms = Date.now();
      if (ns !== undefined) {
        f.lastNs = ns;
        const now = ms;
        ms = Number(ns / 1_000_000n);
        if (ms >= liveFromMs && now - ms > MAX_LAG_MS) {
          behind = ns;
          raw.destroy();
          return;
        }
      }
      const message = ns !== undefined ? text.slice(sp + 1) : text;
      this.hub.service(who.serviceName, who.serviceId, who.appId, message.replace(/\r$/, ''), isStdErr, ms);
    };
    const done = new Promise<void>((resolve) => {
      raw.on('end', resolve);
      raw.on('close', resolve);
      raw.on('error', () => resolve());
    });
    if (tty) {
      lines(raw, emit(false));
    } else {
      const out = new PassThrough();
      const err = new PassThrough();
      this.docker.modem.demuxStream(raw, out, err);
      raw.on('end', () => {
        out.end();
        err.end();
      });
      lines(out, emit(false));
      lines(err, emit(true));
    }
    await done;
    return behind;
  }

  forget(containerId: string): void {
    this.followed.delete(containerId);
  }

  close(): void {
    this.closed = true;
    for (const s of this.streams) s.destroy();
    this.streams.clear();
  }
}

function lines(stream: Readable, onLine: (l: string) => void): void {
  const splitter = new LineSplitter();
  stream.on('data', (chunk: Buffer | string) => {
    for (const line of splitter.push(chunk)) onLine(line);
  });
  stream.on('end', () => {
    for (const line of splitter.flush()) onLine(line);
  });
}

const clock = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString().slice(11, 23);
