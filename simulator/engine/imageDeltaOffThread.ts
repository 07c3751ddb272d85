// createImageDelta on a worker thread. The codec is synchronous CPU work (about 1 s per 10 MB of changed layer
// here); run inline it would freeze the VS Code extension host or the CLI's log streaming for that long.
// Images are read on the calling thread (async I/O), handed over by structured clone, and the delta bytes come
// back by copy (they are small). Where no worker entry can be found (an unusual bundle), it runs inline.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { createImageDelta, loadImage, type CreateImageDeltaOptions, type ImageDelta } from './imageDelta.js';
import type { ImageArchive } from './imageArchive.js';
import type { ImageDeltaHeader } from './imageDeltaFormat.js';
import type { ImageDeltaReport } from './deltaReport.js';
import type { CreateByteDeltaOptions } from './byteDelta.js';
import { EdgePushError, cancelled, type ErrorKind } from '../shared/errors.js';
import { commitFileAtomically } from './atomicFile.js';
import { pipeline } from 'node:stream/promises';

export interface DeltaJob {
  basis?: ImageArchive;
  target: ImageArchive;
  estimates?: boolean;
  codec?: CreateByteDeltaOptions;
}

export type DeltaJobResult =
  | { ok: true; header: ImageDeltaHeader; chunks: Uint8Array[]; bytes: number; report: ImageDeltaReport }
  | { ok: false; kind: ErrorKind; message: string };

/** The worker entry next to this bundle (dist/deltaWorker.js), or the TypeScript source when run from source. */
function workerScript(): { code: string; eval: boolean } | undefined {
  const bundled = join(__dirname, 'deltaWorker.js');
  if (existsSync(bundled)) return { code: bundled, eval: false };
  const source = join(__dirname, 'deltaWorker.ts');
  if (existsSync(source)) return { code: `require('tsx/cjs'); require(${JSON.stringify(source)});`, eval: true };
  return undefined;
}

export async function createImageDeltaOffThread(opts: CreateImageDeltaOptions & { signal?: AbortSignal }): Promise<ImageDelta> {
  const [basis, target] = await Promise.all([opts.basis ? loadImage(opts.basis) : undefined, loadImage(opts.target)]);
  if (opts.signal?.aborted) throw cancelled();
  const script = workerScript();
  if (!script) return createImageDelta({ ...opts, basis, target });
  const job: DeltaJob = { basis, target, estimates: opts.estimates, codec: opts.codec };
  const result = await new Promise<DeltaJobResult>((resolve, reject) => {
    const worker = new Worker(script.code, { eval: script.eval, workerData: job });
    const abort = () => {
      void worker.terminate();
      reject(cancelled());
    };
    opts.signal?.addEventListener('abort', abort, { once: true });
    const settle = () => opts.signal?.removeEventListener('abort', abort);
    worker.once('message', (m: DeltaJobResult) => {
      settle();
      resolve(m);
    });
    worker.once('error', (err) => {
      settle();
      reject(err);
    });
    worker.once('exit', (code) => {
      settle();
      reject(new EdgePushError('internal', `the delta worker stopped (exit code ${code})`));
    });
  });
  if (!result.ok) throw new EdgePushError(result.kind, result.message);
  const chunks = result.chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength));
  if (opts.outputPath) {
    const out = opts.outputPath;
    await commitFileAtomically(out, (w) => pipeline(Readable.from(chunks), w));
  }
  return {
    header: result.header,
    chunks,
    bytes: result.bytes,
    report: result.report,
    deltaPath: opts.outputPath,
    stream: () => Readable.from(chunks),
  };
}
