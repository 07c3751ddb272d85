// createImageDelta on a worker thread. The codec is synchronous CPU work (0.2-0.4 s per 10 MB of changed layer
// here); run inline it would freeze the VS Code extension host or the CLI's log streaming for that long.
// Images are read on the calling thread (async I/O), handed over by structured clone, and the delta bytes come
// back by copy (they are small). Where no worker entry can be found (an unusual bundle), it runs inline.
//
// One worker is kept between jobs, so that its JIT stays warm (the next push's delta and report of a small
// image take about a third of the time, and no thread starts): unref'd while idle, so it never holds a
// process open, and ended after a minute without work or after a job on large images. A job that finds it
// busy gets a worker of its own; a cancelled job ends its worker.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { createImageDelta, imageDeltaInMemory, loadImage, type CreateImageDeltaOptions, type ImageDeltaInMemory } from './imageDelta.js';
import type { ImageArchive } from './imageArchive.js';
import type { ImageDeltaHeader } from './imageDeltaFormat.js';
import type { ImageDeltaReport } from './deltaReport.js';
import type { CreateByteDeltaOptions } from './byteDelta.js';
import type { ArchiveFilesDelta } from './imageDeltaFiles.js';
import { EdgePushError, cancelled, type ErrorKind } from '../shared/errors.js';
import { commitFileAtomically } from './atomicFile.js';
import { pipeline } from 'node:stream/promises';

export interface DeltaJob {
  basis?: ImageArchive;
  target: ImageArchive;
  estimates?: boolean;
  codec?: CreateByteDeltaOptions;
}

/** A delta between archive files, made within a memory budget into `outputPath` (imageDeltaFileOffThread.ts). */
export type FileDeltaJob = { kind: 'file' } & ArchiveFilesDelta;

export type DeltaJobResult = (
  | { ok: true; header: ImageDeltaHeader; chunks: Uint8Array[]; bytes: number; report: ImageDeltaReport }
  | { ok: false; kind: ErrorKind; message: string }
) & {
  /** The worker's thread id. */
  threadId: number;
};

const IDLE_MS = 60_000;
// After a job on larger images the worker is ended rather than kept: its heap would hold their copies until
// it next collects garbage, and warmth matters little next to that much work.
const KEEP_AFTER_MAX_BYTES = 64 << 20;

const jobBytes = (job: DeltaJob | FileDeltaJob) =>
  'kind' in job
    ? Infinity // archive files: as large as they come
    : [job.basis, job.target].reduce((n, img) => n + (img ? img.config.length + img.layers.reduce((m, l) => m + l.data.length, 0) : 0), 0);

/** The worker entry next to this bundle (dist/deltaWorker.js), or the TypeScript source when run from source. */
export function workerScript(): { code: string; eval: boolean } | undefined {
  const bundled = join(__dirname, 'deltaWorker.js');
  if (existsSync(bundled)) return { code: bundled, eval: false };
  const source = join(__dirname, 'deltaWorker.ts');
  if (existsSync(source)) return { code: `require('tsx/cjs'); require(${JSON.stringify(source)});`, eval: true };
  return undefined;
}

class DeltaWorker {
  private readonly worker: Worker;
  private idleTimer: NodeJS.Timeout | undefined;
  busy = false;
  dead = false;

  constructor(script: { code: string; eval: boolean }) {
    // a cancelled job's worker is terminated: the files it had open are closed with it (imageDeltaApplyOffThread.ts)
    this.worker = new Worker(script.code, { eval: script.eval, trackUnmanagedFds: true });
    this.worker.unref();
    this.worker.on('error', () => (this.dead = true)); // also reported to the job in progress, if any
  }

  run(job: DeltaJob | FileDeltaJob, signal: AbortSignal | undefined): Promise<DeltaJobResult> {
    this.busy = true;
    clearTimeout(this.idleTimer);
    this.worker.ref();
    return new Promise<DeltaJobResult>((resolve, reject) => {
      const w = this.worker;
      const done = (fail?: unknown) => {
        signal?.removeEventListener('abort', abort);
        w.off('message', onMessage).off('error', onError).off('exit', onExit);
        this.busy = false;
        if (fail === undefined) this.rest();
        else {
          this.dead = true;
          // Settled once the thread has stopped: a caller that then removes the job's files races no writes.
          void w.terminate().finally(() => reject(fail));
        }
      };
      const onMessage = (m: DeltaJobResult) => {
        done();
        resolve(m);
      };
      const onError = (err: Error) => done(err);
      const onExit = (code: number) => done(new EdgePushError('internal', `the delta worker stopped (exit code ${code})`));
      const abort = () => done(cancelled());
      signal?.addEventListener('abort', abort, { once: true });
      w.on('message', onMessage).on('error', onError).on('exit', onExit);
      w.postMessage(job);
    });
  }

  end(): void {
    this.dead = true;
    void this.worker.terminate();
  }

  private rest(): void {
    this.worker.unref();
    this.idleTimer = setTimeout(() => this.end(), IDLE_MS);
    this.idleTimer.unref();
  }
}

let kept: DeltaWorker | undefined;

/** Runs a job on the kept worker, or on one of its own when that one is busy. */
export async function runDeltaJob(
  script: { code: string; eval: boolean },
  job: DeltaJob | FileDeltaJob,
  signal: AbortSignal | undefined,
): Promise<DeltaJobResult> {
  if (kept === undefined || kept.dead) kept = new DeltaWorker(script);
  if (!kept.busy) {
    const worker = kept;
    try {
      return await worker.run(job, signal);
    } finally {
      if (jobBytes(job) > KEEP_AFTER_MAX_BYTES) worker.end();
    }
  }
  const own = new DeltaWorker(script);
  try {
    return await own.run(job, signal);
  } finally {
    own.end();
  }
}

/** The delta, and the worker thread that made it (none when it ran inline). */
export async function createImageDeltaOffThread(
  opts: CreateImageDeltaOptions & { signal?: AbortSignal },
): Promise<ImageDeltaInMemory & { threadId?: number }> {
  const [basis, target] = await Promise.all([opts.basis ? loadImage(opts.basis) : undefined, loadImage(opts.target)]);
  if (opts.signal?.aborted) throw cancelled();
  const script = workerScript();
  if (!script) return createImageDelta({ ...opts, basis, target });
  const job: DeltaJob = { basis, target, estimates: opts.estimates, codec: opts.codec };
  const result = await runDeltaJob(script, job, opts.signal);
  if (!result.ok) throw new EdgePushError(result.kind, result.message);
  const chunks = result.chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength));
  if (opts.outputPath) {
    const out = opts.outputPath;
    await commitFileAtomically(out, (w) => pipeline(Readable.from(chunks), w));
  }
  return {
    ...imageDeltaInMemory({ header: result.header, report: result.report, deltaPath: opts.outputPath }, chunks),
    threadId: result.threadId,
  };
}
