// applyImageDelta on a worker thread of its own, with a deadline that holds: the codec's work is synchronous
// CPU (brotli, sha256, copies), so a timer on the calling thread cannot interrupt it, and a device agent would
// stop answering while a large delta applies. The worker reads the delta from its file and writes the
// rebuilt archive to `outputPath`; the basis archive (e.g. the engine's `docker save` stream) is read on the
// calling thread (async I/O) and passed in over a MessagePort, so the worker needs no engine client. At the
// deadline the worker is terminated wherever it is; its partial output is the caller's to remove.
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { Readable } from 'node:stream';
import { applyImageDelta, type ApplyImageDeltaResult } from './imageDeltaApply.js';
import { workerScript } from './imageDeltaOffThread.js';
import { corrupt, EdgePushError, type ErrorKind, messageOf } from '../shared/errors.js';

export interface ApplyOffThreadOptions {
  deltaPath: string;
  outputPath: string;
  repoTags?: string[];
  /** Opens the basis image archive, when the delta has a basis. */
  basis?: () => Promise<NodeJS.ReadableStream>;
  /** The worker is ended after this long, and the apply fails as `corrupt` (the delta stalled). */
  deadlineMs: number;
  /** A thin archive: the basis layers listed, not written (for the engine that holds the basis). */
  thin?: boolean;
}

export interface ApplyJob {
  kind: 'apply';
  deltaPath: string;
  outputPath: string;
  repoTags?: string[];
  thin?: boolean;
  /** Basis archive bytes arrive here: Uint8Array chunks, then `{ end: true }` or `{ error }`. */
  basisPort?: MessagePort;
}

export type ApplyJobResult = { ok: true; result: ApplyImageDeltaResult } | { ok: false; kind: ErrorKind; message: string };

/** The worker side: runs one apply job (called from deltaWorker.ts). */
export function runApplyJob(job: ApplyJob): Promise<ApplyJobResult> {
  let basis: { stream: NodeJS.ReadableStream } | undefined;
  if (job.basisPort) {
    const port = job.basisPort;
    const stream = new Readable({ read() {} });
    port.on('message', (m: Uint8Array | { end: true } | { error: string }) => {
      if (m instanceof Uint8Array) stream.push(Buffer.from(m.buffer, m.byteOffset, m.byteLength));
      else {
        if ('error' in m) stream.destroy(new EdgePushError('unavailable', m.error));
        else stream.push(null);
        port.close();
      }
    });
    basis = { stream };
  }
  return applyImageDelta({ delta: job.deltaPath, basis, outputPath: job.outputPath, repoTags: job.repoTags, thin: job.thin }).then(
    (result) => ({ ok: true, result }),
    (err: unknown) => ({ ok: false, kind: EdgePushError.is(err) ? err.kind : 'internal', message: messageOf(err) }),
  );
}

async function feedBasis(open: () => Promise<NodeJS.ReadableStream>, port: MessagePort, stopped: () => boolean): Promise<void> {
  try {
    for await (const chunk of await open()) {
      if (stopped()) return;
      const copy = new Uint8Array(chunk as Uint8Array); // pooled or shared buffers cannot be transferred
      port.postMessage(copy, [copy.buffer]);
    }
    port.postMessage({ end: true });
  } catch (err) {
    if (!stopped()) port.postMessage({ error: `cannot read the basis image: ${messageOf(err)}` });
  }
}

const withDeadline = <T>(p: Promise<T>, ms: number, onTimeout: () => void): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_r, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(corrupt(`applying the delta took longer than its budget of ${Math.round(ms / 100) / 10} s`));
    }, ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
};

export async function applyImageDeltaOffThread(o: ApplyOffThreadOptions): Promise<ApplyImageDeltaResult> {
  const script = workerScript();
  if (!script) {
    // An unusual bundle without the worker entry: inline, where the deadline can only fire between blocks.
    const basis = o.basis ? { stream: await o.basis() } : undefined;
    return withDeadline(
      applyImageDelta({ delta: o.deltaPath, basis, outputPath: o.outputPath, repoTags: o.repoTags, thin: o.thin }),
      o.deadlineMs,
      () => undefined,
    );
  }
  const worker = new Worker(script.code, { eval: script.eval });
  let ended = false;
  const end = () => {
    ended = true;
    void worker.terminate();
  };
  try {
    const channel = o.basis ? new MessageChannel() : undefined;
    const job: ApplyJob = {
      kind: 'apply',
      deltaPath: o.deltaPath,
      outputPath: o.outputPath,
      repoTags: o.repoTags,
      thin: o.thin,
      basisPort: channel?.port2,
    };
    const answer = new Promise<ApplyJobResult>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new EdgePushError('internal', `the delta worker stopped (exit code ${code})`)));
    });
    worker.postMessage(job, channel ? [channel.port2] : []);
    if (channel && o.basis) void feedBasis(o.basis, channel.port1, () => ended);
    const r = await withDeadline(answer, o.deadlineMs, end);
    if (!r.ok) throw new EdgePushError(r.kind, r.message);
    return r.result;
  } finally {
    end();
  }
}
