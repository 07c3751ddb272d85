// The program the delta helper container runs on a stock balenaOS device (bundled alone as dist/pushHelper.js and
// put into the container with `PUT /containers/{id}/archive`; run by whatever `node` the helper image holds). It
// reads what to do from /edgepush/job.json, does it, and prints one line `EDGEPUSH-HELPER {json}` as its result:
//   probe: free disk under / (the engine's storage: a container's root is on it), which engine address answers with
//          the expected engine id, and the node version;
//   apply: joins the uploaded parts (removed afterwards), checks their sha256, rebuilds the image with the embedded engine against the
//          basis read from the device's engine (GET /images/{id}/get), loads it (POST /images/load) and checks the
//          loaded image is the delta's target (same image id).
// Only node built-ins, dockerode and simulator/engine: no zod, no CLI.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, readFileSync, statfsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { applyImageDelta } from '../../engine/imageDeltaApply.js';
import { corrupt } from '../../shared/errors.js';

export const HELPER_ROOT = '/edgepush';
export const RESULT_PREFIX = 'EDGEPUSH-HELPER ';

export interface HelperJob {
  mode: 'probe' | 'apply';
  /** Echoed in the result, so a result is never taken from an earlier run's output. */
  nonce: string;
  /** Engine addresses to try, `host:port`, in order; the first whose /info ID is `engineId` is used. */
  engines: string[];
  engineId: string;
  apiKey?: string;
  /** apply: the folder of this delta's parts (`<dir>/00000`...), how many, and the sha256 of their concatenation. */
  dir?: string;
  parts?: number;
  digest?: string;
  /** apply: the image id the delta must produce. */
  target?: string;
}

export interface HelperResult {
  ok: boolean;
  nonce?: string;
  error?: string;
  freeBytes?: number;
  engine?: string;
  node?: string;
  imageId?: string;
}

export function say(r: HelperResult): void {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(r)}\n`);
}

function freeBytes(): number {
  const s = statfsSync('/');
  const real = Number(s.bavail) * Number(s.bsize);
  const simulated = Number(process.env.EDGEPUSH_SIMULATED_DISK_FREE);
  return Number.isFinite(simulated) && process.env.EDGEPUSH_SIMULATED_DISK_FREE !== undefined ? Math.min(real, simulated) : real;
}

async function engineFor(job: HelperJob): Promise<{ docker: Docker; address: string } | { error: string }> {
  const tried: string[] = [];
  for (const address of job.engines) {
    const colon = address.lastIndexOf(':');
    const docker = new Docker({
      host: address.slice(0, colon).replace(/^\[|\]$/g, ''),
      port: Number(address.slice(colon + 1)),
      protocol: 'http',
      timeout: 600_000,
      headers: job.apiKey ? { authorization: `Bearer ${job.apiKey}` } : {},
    } as Docker.DockerOptions);
    try {
      const info = (await Promise.race([
        docker.info(),
        new Promise((_r, rej) => setTimeout(() => rej(new Error('no answer in 5 s')), 5000)),
      ])) as { ID?: string };
      if (info.ID === job.engineId) return { docker, address };
      tried.push(`${address}: another engine (${String(info.ID).slice(0, 12)})`);
    } catch (err) {
      tried.push(`${address}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { error: `the helper container reaches none of the device's engine addresses (${tried.join('; ')})` };
}

async function joinParts(job: HelperJob, out: string): Promise<void> {
  const hash = createHash('sha256');
  const file = createWriteStream(out);
  for (let i = 0; i < (job.parts ?? 0); i++) {
    const part = join(job.dir ?? join(HELPER_ROOT, 'parts'), String(i).padStart(5, '0'));
    for await (const c of createReadStream(part)) {
      hash.update(c as Buffer);
      if (!file.write(c)) await new Promise<void>((r) => file.once('drain', () => r()));
    }
  }
  await new Promise<void>((resolve, reject) => file.end((err?: Error | null) => (err ? reject(err) : resolve())));
  const got = `sha256:${hash.digest('hex')}`;
  if (got !== job.digest)
    throw corrupt(`the uploaded delta is damaged (sha256 ${got.slice(7, 19)}, expected ${String(job.digest).slice(7, 19)})`);
}

export async function runHelper(jobPath = join(HELPER_ROOT, 'job.json')): Promise<HelperResult> {
  const job = JSON.parse(readFileSync(jobPath, 'utf8')) as HelperJob;
  return { ...(await runJob(job)), nonce: job.nonce };
}

async function runJob(job: HelperJob): Promise<HelperResult> {
  const engine = await engineFor(job);
  if (job.mode === 'probe') {
    return {
      ok: !('error' in engine),
      error: 'error' in engine ? engine.error : undefined,
      freeBytes: freeBytes(),
      engine: 'address' in engine ? engine.address : undefined,
      node: process.version,
    };
  }
  if ('error' in engine) return { ok: false, error: engine.error };
  const work = join(HELPER_ROOT, 'work');
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  try {
    const deltaPath = join(work, 'delta.bin');
    await joinParts(job, deltaPath);
    const r = await applyImageDelta({ delta: deltaPath, docker: engine.docker, repoTags: [], thin: true, workDir: work });
    if (job.target && r.imageId !== job.target) return { ok: false, error: `rebuilt ${r.imageId}, expected ${job.target}` };
    return { ok: true, imageId: r.imageId, engine: engine.address };
  } finally {
    await rm(work, { recursive: true, force: true });
    if (job.dir) await rm(job.dir, { recursive: true, force: true }); // the parts of an applied (or refused) delta
  }
}
