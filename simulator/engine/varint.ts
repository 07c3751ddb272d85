// LEB128 varints for the control stream; signed values zig-zag encoded. Decoding is bounded (at most 8 bytes,
// values below 2^53) so a hostile delta cannot make a number JavaScript cannot hold.
import { corrupt } from '../shared/errors.js';

export class ByteSink {
  buf: Uint8Array;
  length = 0;
  constructor(initial = 1024) {
    this.buf = new Uint8Array(initial);
  }
  private grow(need: number): void {
    if (this.length + need <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + need));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  uint(v: number): void {
    this.grow(10);
    while (v >= 0x80) {
      this.buf[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.length++] = v;
  }
  byte(v: number): void {
    this.grow(1);
    this.buf[this.length++] = v;
  }
  append(src: Uint8Array): void {
    this.grow(src.length);
    this.buf.set(src, this.length);
    this.length += src.length;
  }
  int(v: number): void {
    this.uint(v < 0 ? -2 * v - 1 : 2 * v);
  }
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
  reset(): void {
    this.length = 0;
  }
}

export class VarintReader {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}
  get remaining(): number {
    return this.buf.length - this.pos;
  }
  uint(): number {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.buf.length) throw corrupt('delta control stream ends inside a number');
      const b = this.buf[this.pos++]!;
      v += (b & 0x7f) * mul;
      if (b < 0x80) {
        if (v > Number.MAX_SAFE_INTEGER) break;
        return v;
      }
      mul *= 0x80;
    }
    throw corrupt('delta control stream holds an oversized number');
  }
  int(): number {
    const z = this.uint();
    return z % 2 === 1 ? -(z + 1) / 2 : z / 2;
  }
}
