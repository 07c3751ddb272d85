// One fuzz worker thread: applies mutated deltas, case after case, and classifies each outcome.
//   rejected          a clear EdgePushError (one line), and nothing left in the output folder
//   accepted-correct  exactly the seed's result
//   wrong             a result that is not the seed's (the digest checks should make this impossible), or a
//                     refusal that left files behind
//   crashed           any other throw (TypeError, RangeError, a non-EdgePush error), or an error that escaped
//                     (uncaught), or a case that never finished (the main thread notices and ends the worker)
// Case i is fully determined by (seed, i): a finding replays with `npm run fuzz -- --replay i`.
import { parentPort, workerData } from 'node:worker_threads';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyByteDelta } from '../../simulator/engine/byteDelta.js';
import { applyImageDelta } from '../../simulator/engine/imageDeltaApply.js';
import { EdgePushError } from '../../simulator/shared/errors.js';
import { byteSeeds, imageSeeds, CHECK_TAGS, type ByteSeed, type ImageSeed } from './corpus.js';
import { mutateByteDelta, mutateImageDelta, rng } from './mutators.js';

export type Outcome = 'rejected' | 'accepted-correct' | 'wrong' | 'crashed';

export interface WorkerJob {
  seed: number;
  from: number;
  to: number;
  /** Every n-th case is an image delta (the rest byte deltas). */
  imageEvery: number;
  /** Folder for findings (the mutated input and a note). */
  findings: string;
}

export interface Report {
  kind: 'byte' | 'image';
  outcome: Outcome;
  index: number;
  note?: string;
}

const job = workerData as WorkerJob;
/** The delta as the stream the decoders read. */
async function* once(delta: Buffer): AsyncGenerator<Uint8Array> {
  yield delta;
}

const clear = (err: unknown) => EdgePushError.is(err) && err.message.length > 0 && !err.message.includes('\n');
const describe = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err));

// /dev/shm where there is one: image outputs are written and checked per case, so keep them in memory.
const scratch = mkdtempSync(join(readdirSync('/dev').includes('shm') ? '/dev/shm' : tmpdir(), 'ep-fuzz-'));

export function caseSeed(seed: number, index: number): number {
  return (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
}

async function byteCase(seeds: ByteSeed[], index: number): Promise<Report> {
  const r = rng(caseSeed(job.seed, index));
  const s = seeds[r() % seeds.length]!;
  const delta = mutateByteDelta(s.delta, r);
  const parts: Buffer[] = [];
  try {
    for await (const c of applyByteDelta(s.old, once(delta))) parts.push(c);
  } catch (err) {
    return clear(err)
      ? { kind: 'byte', outcome: 'rejected', index }
      : { kind: 'byte', outcome: 'crashed', index, note: `${s.name}: ${describe(err)}`, ...save(index, delta) };
  }
  const out = Buffer.concat(parts);
  return s.next && out.equals(s.next)
    ? { kind: 'byte', outcome: 'accepted-correct', index }
    : { kind: 'byte', outcome: 'wrong', index, note: `${s.name}: ${out.length} bytes that are not the target`, ...save(index, delta) };
}

async function imageCase(seeds: ImageSeed[], index: number): Promise<Report> {
  const r = rng(caseSeed(job.seed, index));
  const s = seeds[r() % seeds.length]!;
  const delta = mutateImageDelta(s.delta, r);
  const out = join(scratch, 'image.tar');
  try {
    await applyImageDelta({ delta: once(delta), basis: s.basis, outputPath: out, repoTags: CHECK_TAGS });
  } catch (err) {
    const left = readdirSync(scratch);
    rmSync(scratch, { recursive: true, force: true });
    mkdirScratch();
    if (!clear(err)) return { kind: 'image', outcome: 'crashed', index, note: `${s.name}: ${describe(err)}`, ...save(index, delta) };
    if (left.length > 0)
      return { kind: 'image', outcome: 'wrong', index, note: `${s.name}: refused but left ${left.join(', ')}`, ...save(index, delta) };
    return { kind: 'image', outcome: 'rejected', index };
  }
  const sha = createHash('sha256').update(readFileSync(out)).digest('hex');
  rmSync(out, { force: true });
  return s.archiveSha === sha
    ? { kind: 'image', outcome: 'accepted-correct', index }
    : { kind: 'image', outcome: 'wrong', index, note: `${s.name}: an archive that is not the target's`, ...save(index, delta) };
}

function mkdirScratch(): void {
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
}

/** Keeps the input of a finding, to replay and to study. */
function save(index: number, delta: Buffer): Record<string, never> {
  try {
    mkdirSync(job.findings, { recursive: true });
    writeFileSync(join(job.findings, `case-${index}.delta`), delta);
  } catch {
    /* best effort */
  }
  return {};
}

export interface Progress {
  /** Cases finished (this worker, since it started). */
  done: number;
  /** The last case finished. */
  index: number;
  counts: Record<'byte' | 'image', Record<Outcome, number>>;
}

const zero = (): Record<Outcome, number> => ({ rejected: 0, 'accepted-correct': 0, wrong: 0, crashed: 0 });
let current = -1;
const escaped = (what: string) => (err: unknown) =>
  parentPort!.postMessage({
    finding: { kind: 'byte', outcome: 'crashed', index: current, note: `${what}: ${describe(err)}` } satisfies Report,
  });
process.on('uncaughtException', escaped('uncaught exception'));
process.on('unhandledRejection', escaped('unhandled rejection'));

async function main(): Promise<void> {
  const [bytes, images] = await Promise.all([byteSeeds(), imageSeeds()]);
  parentPort!.postMessage({ ready: true });
  const progress: Progress = { done: 0, index: job.from - 1, counts: { byte: zero(), image: zero() } };
  let sentAt = Date.now();
  for (let i = job.from; i < job.to; i++) {
    current = i;
    const report = i % job.imageEvery === 0 ? await imageCase(images, i) : await byteCase(bytes, i);
    progress.counts[report.kind][report.outcome]++;
    progress.done++;
    progress.index = i;
    if (report.outcome === 'wrong' || report.outcome === 'crashed') parentPort!.postMessage({ finding: report });
    if (Date.now() - sentAt > 500) {
      parentPort!.postMessage({ progress });
      sentAt = Date.now();
    }
  }
  rmSync(scratch, { recursive: true, force: true });
  parentPort!.postMessage({ progress, finished: true });
}

void main();
