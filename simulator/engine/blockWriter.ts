// Turns the match finder's (add, extra, seek) triples into format blocks: splits triples at block
// boundaries, fills the diff and extra sections, and compresses each section with brotli.
import { brotliCompressSync, constants as z } from 'node:zlib';
import { ByteSink } from './varint.js';
import { SectionMethod } from './byteDeltaFormat.js';
import { ZeroRunWriter } from './zeroRuns.js';
import { ByteComparer } from './byteComparer.js';

export interface CompressionOptions {
  /** Brotli quality for the diff and extra sections (0-11). */
  quality: number;
}

function brotli(raw: Uint8Array, quality: number): Uint8Array {
  return brotliCompressSync(raw, {
    params: {
      // small sections (the usual case for near-identical inputs) get the strongest setting: it costs about 2 µs
      // a byte, so a few milliseconds at most
      [z.BROTLI_PARAM_QUALITY]: raw.length < SMALL_SECTION ? 11 : quality,
      [z.BROTLI_PARAM_LGWIN]: 24,
      [z.BROTLI_PARAM_SIZE_HINT]: raw.length,
    },
  });
}

const SMALL_SECTION = 4 << 10;

function pack(raw: Uint8Array, quality: number): { method: SectionMethod; data: Uint8Array } {
  if (raw.length < 64) return { method: SectionMethod.Stored, data: raw };
  const data = brotli(raw, quality);
  return data.length < raw.length ? { method: SectionMethod.Brotli, data } : { method: SectionMethod.Stored, data: raw };
}

/** The diff section, already zero-run coded (it is mostly zeros): brotli on top if that pays. */
function packDiff(runs: Uint8Array, quality: number): { method: SectionMethod; data: Uint8Array } {
  if (runs.length < 64) return { method: SectionMethod.ZeroRuns, data: runs };
  const data = brotli(runs, quality);
  return data.length < runs.length ? { method: SectionMethod.ZeroRunsBrotli, data } : { method: SectionMethod.ZeroRuns, data: runs };
}

export class BlockWriter {
  private readonly ctrl = new ByteSink(4096);
  private readonly diff = new ZeroRunWriter();
  private readonly extra: Uint8Array;
  private readonly cmp: ByteComparer;
  private extraLen = 0;
  private filled = 0;
  private oldPos = 0;
  readonly out: Uint8Array[] = [];
  bytes = 0;

  constructor(
    private readonly oldBuf: Uint8Array,
    private readonly newBuf: Uint8Array,
    private readonly blockSize: number,
    private readonly opts: CompressionOptions,
  ) {
    this.extra = new Uint8Array(Math.min(blockSize, newBuf.length));
    this.cmp = new ByteComparer(oldBuf, newBuf);
  }

  /** addLen bytes new[newStart..] against old[oldStart..], then extraLen bytes of new right after them. */
  triple(addLen: number, extraLen: number, newStart: number, oldStart: number): void {
    let a = addLen;
    let e = extraLen;
    let ns = newStart;
    let os = oldStart;
    while (a > 0 || e > 0) {
      const room = this.blockSize - this.filled;
      const ta = Math.min(a, room);
      const te = Math.min(e, room - ta);
      this.addDiff(ta, ns, os);
      this.extra.set(this.newBuf.subarray(ns + ta, ns + ta + te), this.extraLen);
      this.extraLen += te;
      this.filled += ta + te;
      this.ctrl.int(ta > 0 ? os - this.oldPos : 0);
      this.ctrl.uint(ta);
      this.ctrl.uint(te);
      if (ta > 0) this.oldPos = os + ta;
      if (this.filled === this.blockSize) this.flush();
      a -= ta;
      e -= te;
      ns += ta + te;
      os += ta;
    }
  }

  /** new[ns..ns+len) - old[os..os+len) into the diff section: runs of equal bytes become zero runs. */
  private addDiff(len: number, ns: number, os: number): void {
    const o = this.oldBuf;
    const n = this.newBuf;
    const d = this.diff;
    // most add bytes are exact: the first run is usually the whole of it
    let i = len > 0 ? Math.min(this.cmp.matchLen(os, ns), len) : 0;
    if (i > 0) d.zeros(i);
    while (i < len) {
      for (; i < len && n[ns + i] !== o[os + i]; i++) d.nonZero((n[ns + i]! - o[os + i]!) & 0xff);
      if (i === len) break;
      const same = Math.min(this.cmp.matchLen(os + i, ns + i), len - i);
      d.zeros(same);
      i += same;
    }
  }

  flush(): void {
    if (this.filled === 0) return;
    const sections = [
      pack(this.ctrl.bytes(), this.opts.quality),
      packDiff(this.diff.finish(), this.opts.quality),
      pack(this.extra.subarray(0, this.extraLen), this.opts.quality),
    ];
    const raws = [this.ctrl.length, this.diff.length, this.extraLen];
    const head = Buffer.alloc(4 + 3 * 9);
    head.writeUInt32LE(this.filled, 0);
    sections.forEach((s, i) => {
      head.writeUInt8(s.method, 4 + i * 9);
      head.writeUInt32LE(raws[i]!, 5 + i * 9);
      head.writeUInt32LE(s.data.length, 9 + i * 9);
    });
    this.out.push(head);
    this.bytes += head.length;
    for (const s of sections) {
      // copy what is not brotli output (fresh): the section buffers are reused for the next block
      const reused = s.method === SectionMethod.Stored || s.method === SectionMethod.ZeroRuns;
      const copy = reused ? Buffer.from(s.data) : s.data;
      this.out.push(copy);
      this.bytes += copy.length;
    }
    this.ctrl.reset();
    this.diff.reset();
    this.extraLen = 0;
    this.filled = 0;
  }
}
