// Byte deltas of inputs larger than memory (multi-gigabyte layers), in a bounded amount of it: new is read in
// segments, old through a window that only moves forwards (oldWindow.ts), and each segment is matched against
// the window, so old is read once, in order, by the creator and by the applier alike. Tar entries are paired
// by path from their headers alone (read from disk), which also places each segment's window: where the old
// versions of its files lie. Programs whose old and new versions fit in one window and one segment are
// predicted as in whole-input deltas. What falls outside the window is sent as new bytes: the price of the
// bound, small when old and new keep their files in the same order (sorted tars do).
import { openSync, closeSync } from 'node:fs';
import { FileSpans } from './fileSpans.js';
import { findMatches, type AlignmentHint } from './matchFinder.js';
import { BlockWriter } from './blockWriter.js';
import { OldWindow } from './oldWindow.js';
import { TripleList } from './tripleList.js';
import { readTarLayoutWith, type TarEntryLayout } from './tarLayout.js';
import { transformsSection, type CreateByteDeltaOptions } from './byteDelta.js';
import { BYTE_DELTA_VERSION, MAX_WINDOW_LOG, encodeByteDeltaHeader, type ByteDeltaHeader } from './byteDeltaFormat.js';
import { looksLikeElf } from './executable/elfImage.js';
import { pairProgramEntries, planProgram, runsInside, type ExecutableTransform } from './executable/executableTransform.js';
import { invalidInput } from '../shared/errors.js';

/** Default memory for a windowed delta, create or apply (the process itself adds about 60 MB). */
export const DEFAULT_MEMORY_BUDGET = 256 << 20;

/** The window (old bytes held) for a memory budget: a sixteenth of it, rounded down to a power of two. The
 *  rest: the window's index and its build (about 2.5x the window), a segment of new (half the window) and its
 *  copies in the block writer and the compressors, and what the garbage collector has yet to free (measured:
 *  an eighth gave 312 MB peak for a 256 MiB budget). */
export function windowLogFor(budget: number): number {
  return Math.max(20, Math.min(MAX_WINDOW_LOG, Math.floor(Math.log2(budget / 16))));
}

export interface WindowedDeltaOptions extends CreateByteDeltaOptions {
  /** Memory to stay within (default 256 MiB): sets the window of old and the segment of new. */
  memoryBudget?: number;
}

interface Plan {
  hints: AlignmentHint[];
  programs: [TarEntryLayout, TarEntryLayout][];
}

function planPairs(old: FileSpans, next: FileSpans, executables: boolean): Plan {
  const oldL = readTarLayoutWith(old.size, (o, l) => old.read(o, l));
  const newL = readTarLayoutWith(next.size, (o, l) => next.read(o, l));
  if (!oldL || !newL) return { hints: [], programs: [] };
  const byPath = new Map(oldL.map((e) => [e.path, e]));
  const hints: AlignmentHint[] = [];
  for (const e of newL) {
    const o = byPath.get(e.path);
    if (!o) continue;
    hints.push({ newStart: e.metaStart, newEnd: e.dataStart, oldStart: o.metaStart });
    if (e.size > 0 && o.size > 0) hints.push({ newStart: e.dataStart, newEnd: e.dataStart + e.size, oldStart: o.dataStart });
  }
  const elf = (f: FileSpans) => (e: TarEntryLayout) => looksLikeElf(f.read(e.dataStart, 20));
  const programs = executables ? pairProgramEntries(oldL, newL, elf(old), elf(next)) : [];
  return { hints, programs };
}

/** Where the window for new[ns, ne) should start: at the old versions of its files, never before `from`. */
function windowStart(
  hints: readonly AlignmentHint[],
  ns: number,
  ne: number,
  from: number,
  fallback: number,
  oldSize: number,
  w: number,
): number {
  let want = Infinity;
  for (const h of hints) {
    if (h.newEnd <= ns || h.newStart >= ne) continue;
    want = Math.min(want, h.oldStart + Math.max(0, ns - h.newStart));
  }
  if (want === Infinity) want = fallback;
  // a little before the first old file (headers, a neighbour that moved), and the window full near old's end
  return Math.max(from, Math.min(want - w / 16, oldSize - w));
}

/** The windowed delta of two files, handed to `write` chunk by chunk, header first: both files are hashed in
 *  a first pass (read in order, as everything here), so the delta can stream out as it is made. */
export async function createWindowedDelta(
  oldPath: string,
  newPath: string,
  write: (chunk: Uint8Array) => Promise<void>,
  opts: WindowedDeltaOptions = {},
): Promise<{ bytes: number; header: ByteDeltaHeader }> {
  const fds = [openSync(oldPath, 'r'), openSync(newPath, 'r')];
  try {
    return await createWindowedDeltaOf(new FileSpans(oldPath, fds[0]!), new FileSpans(newPath, fds[1]!), write, opts);
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

/** As createWindowedDelta, of inputs made of file ranges (image layers inside `docker save` archives). */
export async function createWindowedDeltaOf(
  old: FileSpans,
  next: FileSpans,
  write: (chunk: Uint8Array) => Promise<void>,
  opts: WindowedDeltaOptions = {},
): Promise<{ bytes: number; header: ByteDeltaHeader }> {
  const windowLog = windowLogFor(opts.memoryBudget ?? DEFAULT_MEMORY_BUDGET);
  const w = 2 ** windowLog;
  const segment = w / 2;
  {
    if (old.size === 0 || next.size === 0) throw invalidInput('windowed deltas are for large inputs; old or new is empty');
    const [oldSha256, newSha256] = await Promise.all([old.sha256(), next.sha256()]);
    const header: ByteDeltaHeader = {
      version: BYTE_DELTA_VERSION,
      blockSize: segment,
      oldSize: old.size,
      newSize: next.size,
      oldSha256,
      newSha256,
      windowLog,
    };
    let written = 0;
    const emit = async (chunks: Uint8Array[]) => {
      for (const c of chunks) {
        await write(c);
        written += c.length;
      }
    };
    await emit([encodeByteDeltaHeader(header)]);
    const plan = opts.tarAware === false ? { hints: [], programs: [] } : planPairs(old, next, opts.executables !== false);
    const window = new OldWindow(old.stream(), old.size, w);
    const writer = new BlockWriter(new Uint8Array(0), new Uint8Array(0), segment, { quality: opts.quality ?? 5, background: true });
    const predicted = new Set<TarEntryLayout>();
    let start = 0;
    let lastOld = 0;
    for (let ns = 0; ns < next.size; ns += segment) {
      const ne = Math.min(next.size, ns + segment);
      const seg = next.read(ns, ne - ns); // a fresh buffer for reads this large
      start = Math.max(0, windowStart(plan.hints, ns, ne, start, lastOld - w / 4, old.size, w));
      await window.slide(start);
      const win = window.bytes;
      const hints = plan.hints
        .filter((h) => h.newEnd > ns && h.newStart < ne)
        .map((h) => ({
          newStart: Math.max(h.newStart, ns) - ns,
          newEnd: Math.min(h.newEnd, ne) - ns,
          oldStart: h.oldStart + Math.max(0, ns - h.newStart) - start,
        }));
      const triples = new TripleList();
      findMatches(win, seg, hints, triples, {
        progress: opts.onProgress && ((d) => opts.onProgress!(ns + d, next.size)),
      });
      // programs whose old version is in the window and new version in this segment, predicted from now on
      const transforms: ExecutableTransform[] = [];
      const runs = triples.runs();
      for (const [o, e] of plan.programs) {
        if (
          predicted.has(o) ||
          o.dataStart < start ||
          o.dataStart + o.size > start + win.length ||
          e.dataStart < ns ||
          e.dataStart + e.size > ne
        )
          continue;
        const pair = {
          old: win.subarray(o.dataStart - start, o.dataStart - start + o.size),
          oldStart: o.dataStart - start,
          next: seg.subarray(e.dataStart - ns, e.dataStart - ns + e.size),
          newStart: e.dataStart - ns,
        };
        const t = planProgram(pair, runsInside(runs, pair));
        if (!t) continue;
        predicted.add(o);
        transforms.push({ ...t, oldStart: o.dataStart });
      }
      transforms.sort((a, b) => a.oldStart - b.oldStart);
      window.apply(transforms);
      const at = Buffer.alloc(8);
      at.writeBigUInt64LE(BigInt(start));
      writer.rebase(window.bytes, start, seg);
      writer.prefixNext([at, ...transformsSection(transforms)]);
      triples.replay(writer);
      writer.flush();
      lastOld = start + triples.lastOldEnd();
      await emit(await writer.drain());
    }
    if ((await window.finish()) !== oldSha256) throw invalidInput(`${old.path} changed while the delta was made`);
    opts.onProgress?.(next.size, next.size);
    return { bytes: written, header };
  }
}
