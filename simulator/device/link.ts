// The device's link: parses rates like `1mbit` (tc units: bit/kbit/mbit/gbit are bits per second,
// bps/kbps/mbps bytes per second, a bare number is bytes per second) and throttles what the device receives
// through one shared token bucket, counting the bytes.
import { Transform, type TransformCallback } from 'node:stream';
import { EdgePushError } from '../shared/errors.js';

const units: Record<string, number> = {
  '': 1,
  bit: 1 / 8,
  kbit: 1000 / 8,
  mbit: 1e6 / 8,
  gbit: 1e9 / 8,
  bps: 1,
  kbps: 1000,
  mbps: 1e6,
  gbps: 1e9,
};

/** Bytes per second for a rate string; throws invalid-input for anything else. */
export function parseRate(rate: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(rate.trim());
  const unit = m ? units[m[2]!.toLowerCase()] : undefined;
  const value = m ? Number(m[1]) * (unit ?? NaN) : NaN;
  if (!Number.isFinite(value) || value <= 0)
    throw new EdgePushError('invalid-input', `invalid link rate '${rate}' (e.g. 1mbit, 256kbit, 500kbps)`);
  return value;
}

const PIECE = 16 * 1024;

export class Link {
  private nextAt = 0;
  private received = 0;
  private downUntil = 0;

  /** bytesPerSecond undefined = unthrottled (bytes are still counted). */
  constructor(readonly bytesPerSecond?: number) {}

  get receivedBytes(): number {
    return this.received;
  }

  /** A pass-through stream that paces data to the link rate and counts it. */
  inbound(onBytes?: (n: number) => void): Transform {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const link = this;
    return new Transform({
      transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
        link
          .pace(chunk, (piece) => {
            this.push(piece);
            link.received += piece.length;
            onBytes?.(piece.length);
          })
          .then(() => cb(), cb);
      },
    });
  }

  /** A dropped link (fault injection, simulated devices only): registry reads fail until `ms` from now. */
  cut(ms: number): void {
    this.downUntil = Date.now() + ms;
  }

  get isDown(): boolean {
    return Date.now() < this.downUntil;
  }

  /** Paces and counts bytes received outside a stream (a registry pull reading a fetch body). */
  async receive(n: number): Promise<void> {
    if (this.isDown) throw new EdgePushError('unavailable', 'the device link is down');
    if (!this.bytesPerSecond) {
      this.received += n;
      return;
    }
    for (let off = 0; off < n; off += PIECE) {
      const piece = Math.min(PIECE, n - off);
      const now = Date.now();
      const start = Math.max(now, this.nextAt);
      this.nextAt = start + (piece / this.bytesPerSecond) * 1000;
      const wait = this.nextAt - now;
      if (wait > 5) await new Promise((r) => setTimeout(r, wait));
      this.received += piece;
    }
  }

  private async pace(chunk: Buffer, push: (b: Buffer) => void): Promise<void> {
    if (!this.bytesPerSecond) {
      push(chunk);
      return;
    }
    for (let off = 0; off < chunk.length; off += PIECE) {
      const piece = chunk.subarray(off, off + PIECE);
      const now = Date.now();
      const start = Math.max(now, this.nextAt);
      this.nextAt = start + (piece.length / this.bytesPerSecond) * 1000;
      const wait = this.nextAt - now;
      if (wait > 5) await new Promise((r) => setTimeout(r, wait));
      push(piece);
    }
  }
}
