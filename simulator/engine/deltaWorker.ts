// Worker-thread entry (dist/deltaWorker.js): makes image deltas away from the caller's event loop, so an
// extension host or a device agent keeps answering while the codec works. See imageDeltaOffThread.ts.
import { parentPort, threadId } from 'node:worker_threads';
import { createImageDelta } from './imageDelta.js';
import type { ImageArchive } from './imageArchive.js';
import type { DeltaJob, DeltaJobResult, FileDeltaJob } from './imageDeltaOffThread.js';
import { createImageDeltaBetweenFiles } from './imageDeltaFiles.js';
import { runApplyJob, type ApplyJob } from './imageDeltaApplyOffThread.js';
import { EdgePushError, messageOf } from '../shared/errors.js';

// Structured clone turns Buffers into plain Uint8Arrays; the engine wants Buffers back (same memory, no copy).
const asBuffer = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
const revive = (a: ImageArchive): ImageArchive => ({
  ...a,
  config: asBuffer(a.config),
  layers: a.layers.map((l) => ({ ...l, data: asBuffer(l.data) })),
});

// Jobs come one at a time (imageDeltaOffThread.ts keeps this worker between them); each gets one answer.
const failed = (err: unknown): DeltaJobResult => ({
  ok: false,
  kind: EdgePushError.is(err) ? err.kind : 'internal',
  message: messageOf(err),
  threadId,
});

parentPort!.on('message', (job: DeltaJob | ApplyJob | FileDeltaJob) => {
  if ((job as ApplyJob).kind === 'apply') {
    void runApplyJob(job as ApplyJob).then((r) => parentPort!.postMessage(r));
    return;
  }
  if ((job as FileDeltaJob).kind === 'file') {
    createImageDeltaBetweenFiles(job as FileDeltaJob).then(
      (d) =>
        parentPort!.postMessage({
          ok: true,
          header: d.header,
          chunks: [],
          bytes: d.bytes,
          report: d.report,
          threadId,
        } satisfies DeltaJobResult),
      (err: unknown) => parentPort!.postMessage(failed(err)),
    );
    return;
  }
  job = job as DeltaJob;
  createImageDelta({ basis: job.basis && revive(job.basis), target: revive(job.target), estimates: job.estimates, codec: job.codec }).then(
    (d) => {
      const result: DeltaJobResult = { ok: true, header: d.header, chunks: d.chunks, bytes: d.bytes, report: d.report, threadId };
      parentPort!.postMessage(result); // copied: deltas are small, and pooled Buffers cannot be transferred
    },
    (err: unknown) => parentPort!.postMessage(failed(err)),
  );
});
