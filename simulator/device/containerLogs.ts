// Follows the stdout/stderr of this device's containers through the engine and feeds the LogHub. Output is
// followed again from the last seen timestamp whenever a container (re)starts, so lines survive restarts
// without duplicates.
import { PassThrough, type Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { LogHub } from './logHub.js';
import { L } from './containerSpec.js';
import { LineSplitter } from '../shared/lineStream.js';

interface Followed {
  lastNs: bigint;
  active: boolean;
}

function parseTimestamp(ts: string): bigint | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(ts);
  if (!m) return undefined;
  const secs = BigInt(Math.floor(Date.parse(`${m[1]}Z`) / 1000));
  const frac = BigInt((m[2] ?? '').padEnd(9, '0').slice(0, 9));
  return secs * 1_000_000_000n + frac;
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
      const serviceName = labels[L.service] ?? info.Name.replace(/^\//, '');
      const serviceId = Number(labels[L.serviceId] ?? 0);
      const appId = Number(labels[L.app] ?? 0);
      const since = f.lastNs === 0n ? 0 : Number(f.lastNs / 1_000_000_000n);
      const raw = (await c.logs({ follow: true, stdout: true, stderr: true, timestamps: true, since })) as unknown as Readable;
      this.streams.add(raw);
      raw.on('close', () => this.streams.delete(raw));
      const emit = (isStdErr: boolean) => (text: string) => {
        const sp = text.indexOf(' ');
        const ns = parseTimestamp(sp > 0 ? text.slice(0, sp) : '');
        if (ns !== undefined && ns <= f.lastNs) return; // already delivered before a restart
        if (ns !== undefined) f.lastNs = ns;
        const message = ns !== undefined ? text.slice(sp + 1) : text;
        this.hub.service(serviceName, serviceId, appId, message.replace(/\r$/, ''), isStdErr, ns !== undefined ? Number(ns / 1_000_000n) : Date.now());
      };
      const done = new Promise<void>((resolve) => {
        raw.on('end', resolve);
        raw.on('close', resolve);
        raw.on('error', () => resolve());
      });
      if (info.Config.Tty) {
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
    } catch {
      // container gone: nothing more to follow
    } finally {
      f.active = false;
    }
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
