// Image deltas of large images for push: both images are streamed to archive files (an engine's export goes
// to disk as it arrives, never whole in memory), then createImageDeltaFile diffs them on the delta worker
// within a memory budget (windowed where old and new together exceed half of it) and writes the delta to a
// file. The delta is read back for sending (it is what goes over the wire: small next to the images, except
// on a first push, where it is the compressed image). See imageDeltaOffThread.ts for the worker.
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { archiveStreamOf, type ImageSource } from './imageArchive.js';
import { createImageDeltaBetweenFiles } from './imageDeltaFiles.js';
import { runDeltaJob, workerScript, type FileDeltaJob } from './imageDeltaOffThread.js';
import type { ImageDelta } from './imageDelta.js';
import type { CreateByteDeltaOptions } from './byteDelta.js';
import { EdgePushError, cancelled } from '../shared/errors.js';

export interface CreateImageDeltaFileOffThreadOptions {
  basis?: ImageSource;
  target: ImageSource;
  /** Memory the worker stays within (default 256 MiB, as createImageDeltaFile). */
  memoryBudget?: number;
  estimates?: boolean;
  codec?: CreateByteDeltaOptions;
  /** Where the archives and the delta are spooled (default: the OS temp dir); removed before returning. */
  workDir?: string;
  signal?: AbortSignal;
}

async function spool(src: ImageSource, path: string): Promise<string> {
  if ('archivePath' in src) return src.archivePath;
  await pipeline(await archiveStreamOf(src), createWriteStream(path));
  return path;
}

/** The delta (same format as createImageDelta) and the worker thread that made it (none when it ran inline). */
export async function createImageDeltaFileOffThread(o: CreateImageDeltaFileOffThreadOptions): Promise<ImageDelta & { threadId?: number }> {
  const work = await mkdtemp(join(o.workDir ?? tmpdir(), 'edgepush-push-delta-'));
  try {
    const basisPath = o.basis ? await spool(o.basis, join(work, 'basis.tar')) : undefined;
    const targetPath = await spool(o.target, join(work, 'target.tar'));
    if (o.signal?.aborted) throw cancelled();
    const outputPath = join(work, 'delta');
    const job: FileDeltaJob = {
      kind: 'file',
      basisPath,
      targetPath,
      outputPath,
      memoryBudget: o.memoryBudget,
      estimates: o.estimates,
      codec: o.codec,
      workDir: work,
    };
    const script = workerScript();
    let made: { header: ImageDelta['header']; bytes: number; report: ImageDelta['report']; threadId?: number };
    if (script) {
      const result = await runDeltaJob(script, job, o.signal);
      if (!result.ok) throw new EdgePushError(result.kind, result.message);
      made = result;
    } else made = await createImageDeltaBetweenFiles(job);
    const chunks = [await readFile(outputPath)];
    return {
      header: made.header,
      chunks,
      bytes: made.bytes,
      report: made.report,
      stream: () => Readable.from(chunks),
      threadId: made.threadId,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
