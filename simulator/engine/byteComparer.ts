// Exact match lengths between old and new, for the block writer (the match finder has its own, in WebAssembly): the first
// bytes one at a time (most candidates fail at once), then 8 bytes a step through DataViews, then memcmp by
// large chunks once a match is long (an unchanged file is megabytes). No allocation on the short paths.
const SHORT = 256;
const CHUNK = 64 << 10;

export class ByteComparer {
  private readonly oldView: DataView;
  private readonly nextView: DataView;

  readonly old: Uint8Array;
  readonly next: Uint8Array;

  constructor(old: Uint8Array, next: Uint8Array) {
    // plain Uint8Arrays whatever the caller holds (Buffers have another hidden class): matchLen stays
    // monomorphic, compiled once
    this.old = new Uint8Array(old.buffer, old.byteOffset, old.length);
    this.next = new Uint8Array(next.buffer, next.byteOffset, next.length);
    this.oldView = new DataView(old.buffer, old.byteOffset, old.length);
    this.nextView = new DataView(next.buffer, next.byteOffset, next.length);
  }

  /** Length of the exact match of old[o..] and next[s..]. */
  matchLen(o: number, s: number): number {
    const { old, next, oldView: a, nextView: b } = this;
    const max = Math.min(old.length - o, next.length - s);
    let l = 0;
    const first = Math.min(max, 8);
    while (l < first && old[o + l] === next[s + l]) l++;
    if (l < first) return l;
    const short = Math.min(max, SHORT);
    while (
      l + 8 <= short &&
      a.getInt32(o + l, true) === b.getInt32(s + l, true) &&
      a.getInt32(o + l + 4, true) === b.getInt32(s + l + 4, true)
    )
      l += 8;
    if (l + 8 > short && max > SHORT) {
      while (l + CHUNK <= max && Buffer.compare(old.subarray(o + l, o + l + CHUNK), next.subarray(s + l, s + l + CHUNK)) === 0) l += CHUNK;
      while (
        l + 8 <= max &&
        a.getInt32(o + l, true) === b.getInt32(s + l, true) &&
        a.getInt32(o + l + 4, true) === b.getInt32(s + l + 4, true)
      )
        l += 8;
    }
    while (l < max && old[o + l] === next[s + l]) l++;
    return l;
  }
}
