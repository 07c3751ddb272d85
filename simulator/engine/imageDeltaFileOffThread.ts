// Image deltas of large images for push: both images are streamed to archive files (an engine's export goes
// to disk as it arrives, never whole in memory), then createImageDeltaFile diffs them on the delta worker
// within a memory budget (windowed where old and new together exceed half of it) and writes the delta to a
// file. The archives are removed at once; the delta stays in its file, which the sender hashes and streams
// from (on a first push it is the compressed image, hundreds of MB for a large one), until the caller
// disposes of it. See imageDeltaOffThread.ts for the worker.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImageSource } from './imageArchive.js';
import { spoolArchive } from './spoolArchive.js';
import { createImageDeltaBetweenFiles } from './imageDeltaFiles.js';
import { runDeltaJob, workerScript, type FileDeltaJob } from './imageDeltaOffThread.js';
import type { ImageDelta } from './imageDelta.js';
import { deltaBytesInFile } from './deltaBytes.js';
import type { CreateByteDeltaOptions } from './byteDelta.js';
import { DEFAULT_MEMORY_BUDGET } from './windowedDelta.js';
import { EdgePushError, cancelled } from '../shared/errors.js';

export interface CreateImageDeltaFileOffThreadOptions {
  basis?: ImageSource;
  target: ImageSource;
  /** Memory the worker stays within (default 256 MiB, as createImageDeltaFile). */
  memoryBudget?: number;
  estimates?: boolean;
  codec?: CreateByteDeltaOptions;
  /** Where the archives and the delta are spooled (default: the OS temp dir): a folder of its own in it, which
   *  holds only the delta once this returns and is removed by the delta's dispose() (at once on a failure). */
  workDir?: string;
  signal?: AbortSignal;
}

/** Whether images of these sizes (bytes each) are handled from files within the memory budget rather than
 *  read into memory: when together they take more than half the budget (default: the engine's). The one rule
 *  of the push (shipToDevice) and the registry (publishDelta, image push, fleet releases); below it, memory is
 *  quicker. */
export function imagesHeldInFiles(imageBytes: readonly number[], budget = DEFAULT_MEMORY_BUDGET): boolean {
  return imageBytes.reduce((n, b) => n + b, 0) > budget / 2;
}

/**
 * The delta (same format as createImageDelta) in a file of its own, and the worker thread that made it (none when
 * it ran inline). The caller must call dispose() when done with it (sent, failed or cancelled): it removes the file.
 */
export async function createImageDeltaFileOffThread(
  o: CreateImageDeltaFileOffThreadOptions,
): Promise<ImageDelta & { deltaPath: string; threadId?: number }> {
  const work = await mkdtemp(join(o.workDir ?? tmpdir(), 'edgepush-push-delta-'));
  const dispose = () => rm(work, { recursive: true, force: true, maxRetries: 3 });
  try {
    const basisPath = o.basis ? await spoolArchive(o.basis, join(work, 'basis.tar')) : undefined;
    const targetPath = await spoolArchive(o.target, join(work, 'target.tar'));
    if (o.signal?.aborted) throw cancelled();
    const deltaPath = join(work, 'delta');
    const job: FileDeltaJob = {
      kind: 'file',
      basisPath,
      targetPath,
      outputPath: deltaPath,
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
    // The spooled archives are as large as the images: gone before the (possibly long) send.
    await Promise.all([basisPath, targetPath].map((p) => p?.startsWith(work) && rm(p, { force: true })));
    const content = deltaBytesInFile(deltaPath, made.bytes);
    return {
      header: made.header,
      bytes: made.bytes,
      report: made.report,
      content,
      deltaPath,
      stream: () => content.stream(0, 1 << 20),
      dispose,
      threadId: made.threadId,
    };
  } catch (err) {
    await dispose();
    throw err;
  }
}
