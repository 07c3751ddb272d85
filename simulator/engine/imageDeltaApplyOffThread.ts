// applyImageDelta on a worker thread of its own, with a deadline that holds: the codec's work is synchronous
// CPU (brotli, sha256, copies), so a timer on the calling thread cannot interrupt it, and a device agent would
// stop answering while a large delta applies. The worker reads the delta from its file and writes the
// rebuilt archive to `outputPath`; the basis archive (e.g. the engine's `docker save` stream) is read on the
// calling thread (async I/O) and passed in over a MessagePort, so the worker needs no engine client. A large
// basis is read on demand, as applyImageDelta reads an engine image: the worker asks for the export once to
// index it and check every layer's digest, then once more per layer it reads (each over a port of its own),
// so memory stays bounded whatever the image's size; an export whose layers are gzip-compressed (a containerd
// image store) is spooled to a file and inflated instead (imageDeltaApplyBasis.ts), in a temp folder this side
// makes and removes once the worker has ended. At the deadline the worker is terminated wherever it is, and
// nothing of the apply outlives it: no file open, no temp file, no export being read (see applyIn).
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { realpath, rm } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import { Readable } from 'node:stream';
import { applyImageDelta, type ApplyImageDeltaResult } from './imageDeltaApply.js';
import { workerScript } from './imageDeltaOffThread.js';
import { applyWorkDir } from './imageDeltaApplyBasis.js';
import { exportedImageLayers, type ImageLayers } from './imageLayers.js';
import { DEFAULT_MEMORY_BUDGET } from './windowedDelta.js';
import { isOwnTempFile, removeOwnTempFiles } from './atomicFile.js';
import { closeStrayDescriptors } from './strayDescriptors.js';
import { corrupt, EdgePushError, type ErrorKind, messageOf } from '../shared/errors.js';

export interface ApplyOffThreadOptions {
  deltaPath: string;
  outputPath: string;
  repoTags?: string[];
  /** Opens the basis image archive, when the delta has a basis (called again for each read on demand). */
  basis?: () => Promise<NodeJS.ReadableStream>;
  /** The basis image's size (the engine's figure): above half the memory budget it is read on demand. */
  basisBytes?: number;
  /** Memory to stay within (default 256 MiB); given, the basis is read on demand whatever its size. */
  memoryBudget?: number;
  /** The worker is ended after this long, and the apply fails as `corrupt` (the delta stalled). */
  deadlineMs: number;
  /** A thin archive: the basis layers listed, not written (for the engine that holds the basis). */
  thin?: boolean;
  /** Where a basis that is spooled or inflated goes, in a temp folder of its own (default: the output's
   *  folder, which is on the disk the output goes to rather than a RAM-backed temp dir). */
  workDir?: string;
}

export interface ApplyJob {
  kind: 'apply';
  deltaPath: string;
  outputPath: string;
  repoTags?: string[];
  thin?: boolean;
  /** Asks for the basis archive: the worker posts `{ port }` here for each read of it, and the archive's
   *  bytes arrive on that port: Uint8Array chunks, then `{ end: true }` or `{ error }`. */
  basisOpener?: MessagePort;
  /** Read the basis on demand (ImageLayers) rather than hold it. */
  basisOnDemand?: boolean;
  memoryBudget?: number;
  /** The temp folder the caller made for a spooled or inflated basis (it removes it). */
  workDir?: string;
}

export type ApplyJobResult = { ok: true; result: ApplyImageDeltaResult } | { ok: false; kind: ErrorKind; message: string };

/** Whether a basis of this size is read on demand (the rule applyImageDelta follows for an engine image). */
export function basisReadOnDemand(basisBytes: number | undefined, memoryBudget?: number): boolean {
  return memoryBudget !== undefined || (basisBytes ?? 0) > DEFAULT_MEMORY_BUDGET / 2;
}

/** The basis for applyImageDelta from something that opens its archive: layers read on demand, or the archive
 *  as one stream (held when small; spooled and inflated when its layers are gzip-compressed, see budgetFor). */
async function basisOf(
  open: () => Promise<NodeJS.ReadableStream>,
  onDemand: boolean,
): Promise<ImageLayers | { stream: NodeJS.ReadableStream }> {
  const layers = onDemand ? await exportedImageLayers('the basis image', open) : null;
  return layers ?? { stream: await open() };
}

/** The budget applyImageDelta is given: a basis read on demand is spooled rather than held when it comes as a
 *  stream (its layers gzip-compressed), so a budget is set for it. */
const budgetFor = (onDemand: boolean, memoryBudget: number | undefined) => memoryBudget ?? (onDemand ? DEFAULT_MEMORY_BUDGET : undefined);

/** A stream of the archive bytes that arrive on `port`, asking for each chunk beyond the first few as it is
 *  read (see feedBasis). */
function portStream(port: MessagePort): Readable {
  const stream = new Readable({ read: () => port.postMessage('more') });
  port.on('message', (m: Uint8Array | { end: true } | { error: string }) => {
    if (m instanceof Uint8Array) stream.push(Buffer.from(m.buffer, m.byteOffset, m.byteLength));
    else {
      if ('error' in m) stream.destroy(new EdgePushError('unavailable', m.error));
      else stream.push(null);
      port.close();
    }
  });
  // a read on demand stops once it has its layer: the rest of the archive is not wanted
  stream.on('close', () => port.close());
  return stream;
}

/** The worker side: runs one apply job (called from deltaWorker.ts). */
export async function runApplyJob(job: ApplyJob): Promise<ApplyJobResult> {
  const opener = job.basisOpener;
  try {
    const open = async (): Promise<NodeJS.ReadableStream> => {
      const { port1, port2 } = new MessageChannel();
      opener!.postMessage({ port: port2 }, [port2]);
      return portStream(port1);
    };
    const onDemand = job.basisOnDemand === true;
    const basis = opener ? await basisOf(open, onDemand) : undefined;
    const result = await applyImageDelta({
      delta: job.deltaPath,
      basis,
      outputPath: job.outputPath,
      repoTags: job.repoTags,
      thin: job.thin,
      memoryBudget: budgetFor(onDemand, job.memoryBudget),
      workDir: job.workDir,
    });
    return { ok: true, result };
  } catch (err) {
    return { ok: false, kind: EdgePushError.is(err) ? err.kind : 'internal', message: messageOf(err) };
  } finally {
    opener?.close();
  }
}

// Chunks sent ahead of the reader's requests: the worker's stream asks for each further chunk as it is read,
// so a basis read slower than the engine exports it is never queued whole in the worker.
const CHUNKS_AHEAD = 4;

/** Sends the archive `open` gives over `port` as the worker's stream asks for it (see portStream); stops when
 *  the worker closes the port (a read on demand that has its layer) or the apply has ended (`ended`), and then
 *  destroys the archive stream at once, even one that is stalled: the engine's export ends with it. */
async function feedBasis(open: () => Promise<NodeJS.ReadableStream>, port: MessagePort, ended: AbortSignal): Promise<void> {
  let credit = CHUNKS_AHEAD;
  let closed = false;
  let wake: (() => void) | undefined;
  let source: NodeJS.ReadableStream | undefined;
  const stopped = () => closed || ended.aborted;
  const poke = () => {
    wake?.();
    wake = undefined;
  };
  const stop = () => {
    poke();
    (source as Partial<Readable> | undefined)?.destroy?.();
  };
  port.on('message', () => {
    credit++;
    poke();
  });
  port.once('close', () => {
    closed = true;
    stop();
  });
  ended.addEventListener('abort', stop);
  try {
    source = await open();
    if (stopped()) {
      stop(); // the apply ended while the export was being opened
      return;
    }
    for await (const chunk of source) {
      while (credit === 0 && !stopped()) await new Promise<void>((resolve) => (wake = resolve));
      if (stopped()) return;
      credit--;
      const copy = new Uint8Array(chunk as Uint8Array); // pooled or shared buffers cannot be transferred
      port.postMessage(copy, [copy.buffer]);
    }
    port.postMessage({ end: true });
  } catch (err) {
    if (!stopped()) port.postMessage({ error: `cannot read the basis image: ${messageOf(err)}` });
  } finally {
    ended.removeEventListener('abort', stop);
    port.close();
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
  // made here, removed here once the worker has ended: a worker terminated at the deadline cleans up nothing
  const work = o.basis ? await applyWorkDir(o.workDir ?? dirname(o.outputPath)) : undefined;
  try {
    return await applyIn(o, work);
  } catch (err) {
    await removeOwnTempFiles(o.outputPath); // the partial output of a worker ended mid-write
    throw err;
  } finally {
    if (work) await rm(work, { recursive: true, force: true });
  }
}

/** The apply's own files, by real path (as /proc/self/fd names them): its temp folder and its output's temp. */
async function applyFiles(outputPath: string, workDir: string | undefined): Promise<(path: string) => boolean> {
  const real = (p: string) => realpath(p).catch(() => p);
  const output = join(await real(dirname(outputPath)), basename(outputPath));
  const folder = workDir === undefined ? undefined : await real(workDir);
  return (p) => (folder !== undefined && (p === folder || p.startsWith(folder + sep))) || isOwnTempFile(output, p);
}

async function applyIn(o: ApplyOffThreadOptions, workDir: string | undefined): Promise<ApplyImageDeltaResult> {
  const script = workerScript();
  const onDemand = basisReadOnDemand(o.basisBytes, o.memoryBudget);
  if (!script) {
    // An unusual bundle without the worker entry: inline, where the deadline can only fire between blocks.
    const basis = o.basis ? await basisOf(o.basis, onDemand) : undefined;
    return withDeadline(
      applyImageDelta({
        delta: o.deltaPath,
        basis,
        outputPath: o.outputPath,
        repoTags: o.repoTags,
        thin: o.thin,
        memoryBudget: budgetFor(onDemand, o.memoryBudget),
        workDir,
      }),
      o.deadlineMs,
      () => undefined,
    );
  }
  // The worker is ended at once, not asked to stop: its work is synchronous CPU for seconds at a time, so a
  // stop message would wait for it (and the deadline with it), and one that never yields would need ending
  // anyway. Ending it closes the files it had open: Node closes its FileHandles and the raw descriptors it
  // tracks (`trackUnmanagedFds`, set rather than left to the default this relies on) as it tears it down, and
  // what Node misses (an open in flight, strayDescriptors.ts) is closed here once it has gone; no file's
  // ownership has to cross threads. The rest is removed on this side: the basis exports being read (below),
  // the partial output and the temp folder (applyImageDeltaOffThread).
  const owned = await applyFiles(o.outputPath, workDir);
  const worker = new Worker(script.code, { eval: script.eval, trackUnmanagedFds: true });
  const ended = new AbortController();
  let terminated: Promise<number> | undefined;
  const end = () => {
    ended.abort();
    terminated ??= worker.terminate();
  };
  const channel = o.basis ? new MessageChannel() : undefined;
  try {
    const job: ApplyJob = {
      kind: 'apply',
      deltaPath: o.deltaPath,
      outputPath: o.outputPath,
      repoTags: o.repoTags,
      thin: o.thin,
      basisOpener: channel?.port2,
      basisOnDemand: onDemand,
      memoryBudget: o.memoryBudget,
      workDir,
    };
    const answer = new Promise<ApplyJobResult>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new EdgePushError('internal', `the delta worker stopped (exit code ${code})`)));
    });
    worker.postMessage(job, channel ? [channel.port2] : []);
    const open = o.basis;
    if (channel && open) channel.port1.on('message', (m: { port: MessagePort }) => void feedBasis(open, m.port, ended.signal));
    const r = await withDeadline(answer, o.deadlineMs, end);
    if (!r.ok) throw new EdgePushError(r.kind, r.message);
    return r.result;
  } finally {
    channel?.port1.close();
    end();
    await terminated; // nothing of it writes to the work folder once it is removed
    await closeStrayDescriptors(owned);
  }
}
