// Turns the match finder's (add, extra, seek) triples into format blocks: splits triples at block
// boundaries, fills the diff and extra sections, and compresses each section with brotli.
import { brotliCompressSync, constants as z } from 'node:zlib';
import { ByteSink } from './varint.js';
import { SectionMethod } from './byteDeltaFormat.js';
import { encodeZeroRuns } from './zeroRuns.js';
import { matchLen } from './matchFinder.js';

export interface CompressionOptions {
  /** Brotli quality for the diff and extra sections (0-11). */
  quality: number;
}

function brotli(raw: Uint8Array, quality: number): Uint8Array {
  return brotliCompressSync(raw, {
    params: {
      // small sections (the usual case for near-identical inputs) get the strongest setting: it costs little
      [z.BROTLI_PARAM_QUALITY]: raw.length < SMALL_SECTION ? 11 : quality,
      [z.BROTLI_PARAM_LGWIN]: 24,
      [z.BROTLI_PARAM_SIZE_HINT]: raw.length,
    },
  });
}

const SMALL_SECTION = 16 << 10;

function pack(raw: Uint8Array, quality: number): { method: SectionMethod; data: Uint8Array } {
  if (raw.length < 64) return { method: SectionMethod.Stored, data: raw };
  const data = brotli(raw, quality);
  return data.length < raw.length ? { method: SectionMethod.Brotli, data } : { method: SectionMethod.Stored, data: raw };
}

/** The diff section: zero-run coded first (it is mostly zeros), then brotli if that pays. */
function packDiff(raw: Uint8Array, quality: number): { method: SectionMethod; data: Uint8Array } {
  const runs = encodeZeroRuns(raw);
  if (runs.length < 64) return { method: SectionMethod.ZeroRuns, data: runs };
  const data = brotli(runs, quality);
  return data.length < runs.length ? { method: SectionMethod.ZeroRunsBrotli, data } : { method: SectionMethod.ZeroRuns, data: runs };
}

export class BlockWriter {
  private readonly ctrl = new ByteSink(4096);
  private readonly diff: Uint8Array;
  private readonly extra: Uint8Array;
  private diffLen = 0;
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
    const cap = Math.min(blockSize, newBuf.length);
    this.diff = new Uint8Array(cap);
    this.extra = new Uint8Array(cap);
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
      const d = this.diff;
      const o = this.oldBuf;
      const n = this.newBuf;
      let dl = this.diffLen;
      const exact = ta > 0 ? Math.min(matchLen(o, os, n, ns), ta) : 0; // most add bytes are exact: zeros
      d.fill(0, dl, dl + exact);
      dl += exact;
      for (let i = exact; i < ta; i++) d[dl++] = n[ns + i]! - o[os + i]!;
      this.diffLen = dl;
      this.extra.set(n.subarray(ns + ta, ns + ta + te), this.extraLen);
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

  flush(): void {
    if (this.filled === 0) return;
    const sections = [
      pack(this.ctrl.bytes(), 9),
      packDiff(this.diff.subarray(0, this.diffLen), this.opts.quality),
      pack(this.extra.subarray(0, this.extraLen), this.opts.quality),
    ];
    const raws = [this.ctrl.length, this.diffLen, this.extraLen];
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
      // copy: the section buffers are reused for the next block
      const copy = s.method === SectionMethod.Stored ? Buffer.from(s.data) : s.data; // runs and brotli output are fresh
      this.out.push(copy);
      this.bytes += copy.length;
    }
    this.ctrl.reset();
    this.diffLen = 0;
    this.extraLen = 0;
    this.filled = 0;
  }
}
