// The delta helper's container on a stock device: created once per device host, helper program and image (its
// name carries all three), kept stopped between pushes, and started once per job (`/edgepush/job.json`). Its network is
// the host's, so it reaches the device's engine the way the engine port is offered on the device itself.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeviceClient } from '../deviceClient.js';
import { gzipTarOfFile, putArchive } from './engineArchive.js';
import { RESULT_PREFIX, type HelperJob, type HelperResult } from './helperMain.js';
import type { HelperImage } from './helperImage.js';
import { EdgePushError } from '../../shared/errors.js';

export const HELPER_LABEL = 'io.edgepush.helper';

/** dist/pushHelper.js: beside this bundle, or in dist/ when run from source. */
export function helperProgram(): Buffer {
  for (const p of [join(__dirname, 'pushHelper.js'), join(__dirname, '..', '..', '..', 'dist', 'pushHelper.js')]) {
    if (existsSync(p)) return readFileSync(p);
  }
  throw new EdgePushError('internal', 'dist/pushHelper.js is missing (npm run build)');
}

export interface HelperContainer {
  id: string;
  /** Bytes sent to set it up on this push (0 when it was there already). */
  setupBytes: number;
}

/** The helper's container for this image, created (with the program put in) when the device has none yet. */
export async function helperContainer(client: DeviceClient, image: HelperImage, signal?: AbortSignal): Promise<HelperContainer> {
  const program = helperProgram();
  // one per device host too: simulated devices on one engine each keep their own (their containers differ); not
  // per port, so reaching the same device through another port (a tunnel) finds the helper there
  const key = createHash('sha256').update(program).update(image.id).update(client.host).digest('hex').slice(0, 12);
  const name = `edgepush-helper-${key}`;
  const engine = client.engine();
  const existing = await engine
    .getContainer(name)
    .inspect()
    .catch(() => undefined);
  if (existing) return { id: existing.Id, setupBytes: 0 };
  const created = await engine.createContainer({
    name,
    Image: image.id,
    Entrypoint: ['node', '/edgepush/helper.js'],
    Cmd: [],
    WorkingDir: '/',
    Labels: { [HELPER_LABEL]: '1' },
    HostConfig: { NetworkMode: 'host' },
  });
  try {
    const sent = await putArchive(client, created.id, gzipTarOfFile('edgepush/helper.js', program), signal);
    return { id: created.id, setupBytes: sent };
  } catch (err) {
    await created.remove({ force: true }).catch(() => undefined);
    throw err;
  }
}

/** Runs one job in the helper container and returns its result line. */
export async function runHelperJob(
  client: DeviceClient,
  containerId: string,
  job: Omit<HelperJob, 'nonce'>,
  signal?: AbortSignal,
): Promise<HelperResult & { jobBytes: number }> {
  const nonce = randomBytes(8).toString('hex');
  const jobBytes = await putArchive(
    client,
    containerId,
    gzipTarOfFile('edgepush/job.json', Buffer.from(JSON.stringify({ ...job, nonce }))),
    signal,
  );
  const c = client.engine().getContainer(containerId);
  await (c.wait({ condition: 'not-running' }) as Promise<unknown>).catch(() => undefined); // a job still running from a killed push
  await c.start();
  const waited = (await c.wait()) as { StatusCode?: number };
  const logs = (await c.logs({ stdout: true, stderr: true, tail: 200 } as never)) as unknown as Buffer;
  const text = Buffer.isBuffer(logs) ? logs.toString('utf8') : String(logs);
  const mine = [...text.matchAll(new RegExp(`${RESULT_PREFIX}(\\{[^\\n]*\\})`, 'g'))]
    .map((m) => JSON.parse(m[1]!) as HelperResult & { nonce?: string })
    .filter((r) => r.nonce === nonce);
  const result = mine.pop();
  if (!result) {
    const tail = text
      .replace(/[^\t\n\x20-\x7e]/g, '')
      .split('\n')
      .filter(Boolean)
      .slice(-3)
      .join(' | ');
    return {
      ok: false,
      error: `the helper exited with code ${waited.StatusCode ?? '?'} and no result${tail ? `: ${tail.slice(0, 300)}` : ''}`,
      jobBytes,
    };
  }
  return { ...result, jobBytes };
}
