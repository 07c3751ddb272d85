// Image deltas made from archive files with memory bounded by a budget, whatever the images' size: both images
// are indexed by offset (imageLayers.ts; an engine export or a stream is first spooled to a temp file on the
// host), and each changed layer is diffed against the basis layers it replaces as file ranges: through the
// windowed codec when old and new together exceed half the budget, in memory otherwise. The payloads go to a
// temp file while the header (which lists their sizes) is not known yet; the delta file is then committed
// atomically, header first. The format is the one createImageDelta writes (imageDeltaFormat.ts).
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { Writable } from 'node:stream';
import { createByteDeltaAsync, type CreateByteDeltaOptions } from './byteDelta.js';
import { DEFAULT_MEMORY_BUDGET, createWindowedDeltaOf } from './windowedDelta.js';
import { blockSizeFor, createDeltaFromNothingOf } from './deltaFromNothing.js';
import { dedupe, imageDeltaHeaderOf, imageDeltaReportOf, type DeltaOutline } from './imageDelta.js';
import type { IndexedImageFile } from './imageLayers.js';
import { indexInflating } from './inflateArchive.js';
import { spoolArchive } from './spoolArchive.js';
import { encodeImageDeltaHeader, type ImageDeltaHeader } from './imageDeltaFormat.js';
import type { ImageSource } from './imageArchive.js';
import { commitFileAtomically } from './atomicFile.js';
import { checkOutputPath } from './byteDeltaFiles.js';
import { gzipBytes, librsyncEstimate } from './wireEstimates.js';
import type { ImageDeltaReport, LayerDeltaReport } from './deltaReport.js';

export interface CreateImageDeltaFileOptions {
  basis?: ImageSource;
  target: ImageSource;
  outputPath: string;
  /** Memory to stay within (default 256 MiB). */
  memoryBudget?: number;
  /** layerPullBytes and librsyncBytes (default true). For a windowed layer only the pull estimate (a streamed
   *  gzip) is made; its librsyncBytes is 0. */
  estimates?: boolean;
  /** Where engine exports and streams are spooled (default: the OS temp dir). */
  workDir?: string;
  codec?: CreateByteDeltaOptions;
}

export interface ImageDeltaFile {
  header: ImageDeltaHeader;
  bytes: number;
  report: ImageDeltaReport;
  deltaPath: string;
}

async function streamedGzipBytes(src: AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0;
  await pipeline(src, createGzip({ level: 6 }), new Writable({ write: (c: Buffer, _e, cb) => ((n += c.length), cb()) }));
  return n;
}

/** A delta between archive files named by path (what a worker job carries: imageDeltaFileOffThread.ts). */
export interface ArchiveFilesDelta {
  basisPath?: string;
  targetPath: string;
  outputPath: string;
  memoryBudget?: number;
  estimates?: boolean;
  codec?: CreateByteDeltaOptions;
  workDir?: string;
}

export const createImageDeltaBetweenFiles = (j: ArchiveFilesDelta): Promise<ImageDeltaFile> =>
  createImageDeltaFile({
    basis: j.basisPath === undefined ? undefined : { archivePath: j.basisPath },
    target: { archivePath: j.targetPath },
    outputPath: j.outputPath,
    memoryBudget: j.memoryBudget,
    estimates: j.estimates,
    codec: j.codec,
    workDir: j.workDir,
  });

export async function createImageDeltaFile(opts: CreateImageDeltaFileOptions): Promise<ImageDeltaFile> {
  const started = performance.now();
  await checkOutputPath(opts.outputPath);
  const budget = opts.memoryBudget ?? DEFAULT_MEMORY_BUDGET;
  const work = await mkdtemp(join(opts.workDir ?? tmpdir(), 'edgepush-delta-'));
  const opened: IndexedImageFile[] = [];
  try {
    const index = async (src: ImageSource, name: string): Promise<IndexedImageFile> => {
      // gzip-compressed layers (a containerd store's export) are inflated into the work folder first
      const path = await spoolArchive(src, join(work, name));
      const img = await indexInflating(path, async () => join(work, `inflated-${name}`), {
        verify: true,
        spooled: !('archivePath' in src),
      });
      opened.push(img);
      return img;
    };
    const basis = opts.basis ? await index(opts.basis, 'basis.tar') : undefined;
    const target = await index(opts.target, 'target.tar');
    const basisIds = new Set(basis?.layers.map((l) => l.diffId) ?? []);
    const targetIds = new Set(target.layers.map((l) => l.diffId));
    const oldLayers = basis ? dedupe(basis.layers.filter((l) => !targetIds.has(l.diffId))) : [];
    const old = basis ? basis.spans(oldLayers.map((l) => l.diffId)) : undefined;
    const estimates = opts.estimates !== false;

    const payloadPath = join(work, 'payload');
    const payload = createWriteStream(payloadPath);
    const write = (c: Uint8Array) => new Promise<void>((resolve, reject) => payload.write(c, (err) => (err ? reject(err) : resolve())));
    const layers: ImageDeltaHeader['target']['layers'] = [];
    const reports: LayerDeltaReport[] = [];
    const seen = new Set<string>();
    try {
      for (const l of target.layers) {
        const size = l.size;
        if (basisIds.has(l.diffId) || seen.has(l.diffId)) {
          layers.push({ diffId: l.diffId, size, source: basisIds.has(l.diffId) ? 'basis' : 'repeat', deltaBytes: 0 });
          reports.push({ diffId: l.diffId, size, status: 'shared', layerPullBytes: 0, librsyncBytes: 0, deltaBytes: 0 });
          continue;
        }
        seen.add(l.diffId);
        const next = target.spans([l.diffId]);
        const oldSize = old?.size ?? 0;
        let deltaBytes: number;
        let pull = 0;
        let rsync = 0;
        if (oldSize > 0 && oldSize + size > budget / 2) {
          const d = await createWindowedDeltaOf(old!, next, write, { ...opts.codec, memoryBudget: budget });
          deltaBytes = d.bytes;
          if (estimates) pull = await streamedGzipBytes(next.stream());
        } else if (oldSize === 0 && size > budget / 2) {
          // nothing to diff against (a first push, or only new layers): new's bytes compressed a block at a time
          const d = await createDeltaFromNothingOf(next, write, { ...opts.codec, blockSize: blockSizeFor(budget) });
          deltaBytes = d.bytes;
          if (estimates) rsync = pull = await streamedGzipBytes(next.stream());
        } else {
          // small enough to hold
          const newBytes = next.read(0, size);
          const oldBytes = old ? old.read(0, oldSize) : new Uint8Array(0);
          const d = await createByteDeltaAsync(oldBytes, newBytes, opts.codec);
          for (const c of d.chunks) await write(c);
          deltaBytes = d.bytes;
          if (estimates) {
            pull = await gzipBytes(newBytes);
            rsync = basis ? await librsyncEstimate(oldBytes, newBytes) : pull;
          }
        }
        layers.push({ diffId: l.diffId, size, source: 'delta', deltaBytes });
        reports.push({ diffId: l.diffId, size, status: 'changed', layerPullBytes: pull, librsyncBytes: rsync, deltaBytes });
      }
    } finally {
      await new Promise<void>((resolve, reject) => payload.end((err?: Error | null) => (err ? reject(err) : resolve())));
    }
    const outline: DeltaOutline = { basis, oldLayers, target, layers };
    const header = imageDeltaHeaderOf(outline);
    const head = encodeImageDeltaHeader(header);
    await commitFileAtomically(opts.outputPath, async (out) => {
      await new Promise<void>((resolve, reject) => out.write(head, (err) => (err ? reject(err) : resolve())));
      await pipeline(createReadStream(payloadPath), out);
    });
    const bytes = (await stat(opts.outputPath)).size;
    const report = imageDeltaReportOf(outline, header, reports, bytes, started);
    return { header, bytes, report, deltaPath: opts.outputPath };
  } finally {
    for (const o of opened) o.close();
    await rm(work, { recursive: true, force: true });
  }
}
