// Turns the match finder's (add, extra, seek) triples into format blocks: splits triples at block
// boundaries and fills the control, diff and extra sections. Each full block is compressed at once
// (sectionPacking.ts), or, with `background`, handed to the thread pool while matching goes on: its three
// sections compress side by side, and a block compresses while the next one is matched.
import { ByteSink } from './varint.js';
import { ZeroRunWriter } from './zeroRuns.js';
import { ByteComparer } from './byteComparer.js';
import { blockChunks, packLater, packNow, type SectionInput } from './sectionPacking.js';
import { SectionMethod } from './byteDeltaFormat.js';

export interface CompressionOptions {
  /** Brotli quality of the sections (0-11; sections under 4 KiB get 11). */
  quality: number;
  /** Compress on the libuv thread pool; collect the result with `chunksAsync`. */
  background?: boolean;
}

export class BlockWriter {
  private readonly ctrl = new ByteSink(4096);
  private readonly diff = new ZeroRunWriter();
  private extra: Uint8Array;
  private cmp: ByteComparer;
  // where oldBuf starts in old (windowed deltas hold a window of it)
  private oldBase = 0;
  private extraLen = 0;
  private filled = 0;
  private oldPos = 0;
  private readonly blocks: (Uint8Array[] | Promise<Uint8Array[]>)[] = [];

  constructor(
    private oldBuf: Uint8Array,
    private newBuf: Uint8Array,
    private readonly blockSize: number,
    private readonly opts: CompressionOptions,
  ) {
    this.extra = new Uint8Array(Math.min(blockSize, newBuf.length));
    this.cmp = new ByteComparer(oldBuf, newBuf);
  }

  /** Windowed deltas: the next triples are positions in these buffers, which start at these offsets. */
  rebase(oldBuf: Uint8Array, oldBase: number, newBuf: Uint8Array): void {
    this.oldBuf = oldBuf;
    this.newBuf = newBuf;
    this.oldBase = oldBase;
    this.cmp = new ByteComparer(oldBuf, newBuf);
    if (this.extra.length < Math.min(this.blockSize, newBuf.length)) {
      const grown = new Uint8Array(Math.min(this.blockSize, newBuf.length));
      grown.set(this.extra.subarray(0, this.extraLen));
      this.extra = grown;
    }
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
      this.ctrl.int(ta > 0 ? this.oldBase + os - this.oldPos : 0);
      this.ctrl.uint(ta);
      this.ctrl.uint(te);
      if (ta > 0) this.oldPos = this.oldBase + os + ta;
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

  private prefix: Uint8Array[] = [];

  /** Chunks to write before the next block (a windowed delta's window start and transforms). */
  prefixNext(chunks: Uint8Array[]): void {
    this.prefix = chunks;
  }

  /** Ends the current block: its sections are compressed now, or started on the thread pool. */
  flush(): void {
    if (this.filled === 0) return;
    const inputs: SectionInput[] = [
      { bytes: this.ctrl.bytes(), rawLength: this.ctrl.length, zeroRuns: false },
      { bytes: this.diff.finish(), rawLength: this.diff.length, zeroRuns: true },
      { bytes: this.extra.subarray(0, this.extraLen), rawLength: this.extraLen, zeroRuns: false },
    ];
    const newLength = this.filled;
    const q = this.opts.quality;
    const prefix = this.prefix;
    this.prefix = [];
    if (this.opts.background) {
      // the thread pool gets copies: the section buffers are reused for the next block
      const own = inputs.map((s) => ({ ...s, bytes: new Uint8Array(s.bytes) }));
      this.blocks.push(Promise.all(own.map((s) => packLater(s, q))).then((packed) => [...prefix, ...blockChunks(newLength, own, packed)]));
    } else {
      const packed = inputs.map((s) => packNow(s, q));
      // keep copies of what was not compressed (brotli output is fresh): the section buffers are reused
      const kept = packed.map((p) =>
        p.method === SectionMethod.Stored || p.method === SectionMethod.ZeroRuns ? { ...p, data: new Uint8Array(p.data) } : p,
      );
      this.blocks.push([...prefix, ...blockChunks(newLength, inputs, kept)]);
    }
    this.ctrl.reset();
    this.diff.reset();
    this.extraLen = 0;
    this.filled = 0;
  }

  /** Every block's chunks, after the last flush (compressed in this thread). */
  chunks(): Uint8Array[] {
    return this.blocks.flatMap((b) => {
      if (b instanceof Promise) throw new Error('blocks compressed in the background: use chunksAsync');
      return b;
    });
  }

  /** The chunks of the blocks flushed since the last drain, once compressed (a windowed delta writes them out
   *  as it goes instead of holding them). */
  async drain(): Promise<Uint8Array[]> {
    const ready = (await Promise.all(this.blocks)).flat();
    this.blocks.length = 0;
    return ready;
  }

  /** Every block's chunks, after the last flush, once the thread pool is done with them. */
  async chunksAsync(): Promise<Uint8Array[]> {
    return (await Promise.all(this.blocks)).flat();
  }
}
