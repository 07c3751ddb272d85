// Deltas to a device without EdgePush's delta endpoint (every stock balenaOS development device): the delta is
// sent into a helper container through the device's engine API (`PUT /containers/{id}/archive`, in parts that a
// cut connection resumes from), and the helper rebuilds the image on the device against the image it runs
// (`GET /images/{id}/get`), loads it (`POST /images/load`) and checks it is the image built here (same id).
// Before any delta byte is sent the helper measures the device's free disk: no room refuses the push. Anything
// else that goes wrong throws HelperFallback: the caller ships the full image instead, saying why.
import type Docker from 'dockerode';
import type { ImageDelta } from '../../engine/imageDelta.js';
import { cancelled, tooLarge } from '../../shared/errors.js';
import { formatBytes } from '../../shared/units.js';
import type { DeviceClient } from '../deviceClient.js';
import type { PushEvent } from '../types.js';
import { hostForUrl } from '../deviceAddress.js';
import { gzipTarOfFile, putArchive, statPath } from '../helper/engineArchive.js';
import { helperContainer, runHelperJob } from '../helper/helperContainer.js';
import { helperCandidates, shipHelperImage, shippableHelper, SHIPPED_HELPER_IMAGE, type HelperImage } from '../helper/helperImage.js';
import { deltaIdOf } from './sendDelta.js';
import { splitTag } from '../../shared/imageRef.js';

/** The helper path cannot be used; `helperBytes` were already spent on it. */
export class HelperFallback extends Error {
  constructor(
    message: string,
    readonly helperBytes: number,
  ) {
    super(message);
  }
}

export interface HelperShipOptions {
  client: DeviceClient;
  local: Docker;
  delta: ImageDelta;
  imageId: string;
  tag: string;
  service: string;
  /** The device's architecture (balena names), for a helper image shipped from here. */
  deviceArch: string;
  signal?: AbortSignal;
  onEvent: (e: PushEvent) => void;
  onProgress: (sent: number, total: number) => void;
}

export interface HelperShipped {
  /** Delta parts and job files sent on this push. `seconds` is the delta's upload and rebuild, not the set-up. */
  sentBytes: number;
  /** What setting the helper up cost on this push (image shipped, program put in); 0 when it was there. */
  helperBytes: number;
  seconds: number;
}

/** Delta parts: a cut connection costs at most one part again. */
export const PART_BYTES = 1 << 20;
/** Left free on the device's disk after the update. */
const DISK_RESERVE = 64 << 20;
const MAX_ATTEMPTS = 5;

/** Free disk the update needs on the device: the delta, the rebuilt archive and the loaded layers. */
export function diskNeeded(deltaBytes: number, archiveBytes: number): number {
  return deltaBytes + 2 * archiveBytes + DISK_RESERVE;
}

/** How many parts the delta goes in (at least one, so that an empty delta is a part too). */
const partCount = (bytes: number) => Math.max(1, Math.ceil(bytes / PART_BYTES));

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Sends the parts the helper does not hold yet; after a broken connection, asks again what it holds. */
async function uploadParts(o: HelperShipOptions, containerId: string, dir: string): Promise<number> {
  const content = o.delta.content;
  const total = content.size;
  let sent = 0;
  for (let attempt = 1; ; attempt++) {
    let position = 0;
    try {
      for (let i = 0; i < partCount(total); i++) {
        const length = Math.min(PART_BYTES, total - i * PART_BYTES);
        const path = `${dir}/${String(i).padStart(5, '0')}`;
        if ((await statPath(o.client, containerId, path, o.signal)) !== length) {
          // read when sent: a delta in a file is never held whole
          const tar = gzipTarOfFile(path.slice(1), await content.read(i * PART_BYTES, length));
          sent += tar.length; // counted before the answer: a cut part counts as sent
          await putArchive(o.client, containerId, tar, o.signal);
        }
        position += length;
        o.onProgress(position, total);
      }
      return sent;
    } catch (err) {
      if (o.signal?.aborted) throw cancelled();
      if (attempt >= MAX_ATTEMPTS) throw err;
      o.onEvent({ type: 'step', message: `${o.service}: ${err instanceof Error ? err.message : String(err)}; resuming` });
      await pause(Math.min(4000, 500 * 2 ** (attempt - 1)));
    }
  }
}

/** The engine addresses the helper tries from the device's own network: its loopback, then the address we use. */
function engineAddresses(client: DeviceClient): string[] {
  return [...new Set([`${hostForUrl(client.host)}:${client.enginePort}`, '127.0.0.1:2375'])];
}

export async function shipWithHelper(o: HelperShipOptions): Promise<HelperShipped> {
  const engine = o.client.engine();
  const step = (message: string) => o.onEvent({ type: 'step', message: `${o.service}: ${message}` });
  let helperBytes = 0;
  const fallback = (why: string) => new HelperFallback(why, helperBytes);
  const engineId = String(((await engine.info()) as { ID?: string }).ID ?? '');

  let candidates: HelperImage[] = await helperCandidates(engine);
  if (candidates.length === 0) {
    const ship = await shippableHelper(o.local, o.deviceArch);
    if ('reason' in ship) throw fallback(ship.reason);
    // A one-off: every later push to this device finds it there (it pays back over a session of pushes).
    step(
      `no image on the device holds node: shipping the delta helper image ${SHIPPED_HELPER_IMAGE} (${formatBytes(ship.size)} before compression) once`,
    );
    helperBytes += await shipHelperImage(o.local, engine, o.signal);
    candidates = [{ id: ship.id, name: SHIPPED_HELPER_IMAGE }];
  }

  const engines = engineAddresses(o.client);
  const apiKey = o.client.authHeaders().authorization?.replace(/^Bearer /, '');
  let found: { id: string; image: HelperImage; freeBytes: number } | undefined;
  let jobBytes = 0;
  const tried: string[] = [];
  for (const image of candidates) {
    try {
      const c = await helperContainer(o.client, image, o.signal);
      helperBytes += c.setupBytes;
      const probe = await runHelperJob(o.client, c.id, { mode: 'probe', engines, engineId, apiKey }, o.signal);
      jobBytes += probe.jobBytes;
      if (probe.ok && probe.freeBytes !== undefined) {
        found = { id: c.id, image, freeBytes: probe.freeBytes };
        break;
      }
      tried.push(`${image.name}: ${probe.error ?? 'no answer'}`);
    } catch (err) {
      if (o.signal?.aborted) throw cancelled();
      tried.push(`${image.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (!found) throw fallback(`no delta helper could run on the device (${tried.join('; ')})`);
  step(`delta helper in ${found.image.name} on the device`);

  const needed = diskNeeded(o.delta.bytes, o.delta.header.target.archiveSize);
  if (found.freeBytes < needed) {
    throw tooLarge(
      `the device has ${formatBytes(found.freeBytes)} of disk free; this update of ${o.service} needs about ${formatBytes(needed)} (delta, rebuilt image, room to spare). Nothing was sent: free space on the device (remove unused images) and push again`,
    );
  }

  const started = Date.now(); // the transfer's time: the helper's one-off set-up is not part of it
  const digest = await o.delta.content.digest();
  const dir = `/edgepush/jobs/${deltaIdOf(digest)}`;
  const partBytes = await uploadParts(o, found.id, dir);
  const applied = await runHelperJob(
    o.client,
    found.id,
    { mode: 'apply', engines, engineId, apiKey, dir, parts: partCount(o.delta.bytes), digest, target: o.imageId },
    o.signal,
  );
  jobBytes += applied.jobBytes;
  if (!applied.ok || applied.imageId !== o.imageId)
    throw fallback(`the helper could not rebuild the image: ${applied.error ?? `it made ${applied.imageId}`}`);
  const [repo, tagName] = splitTag(o.tag);
  await engine.getImage(o.imageId).tag({ repo, tag: tagName });
  return { sentBytes: partBytes + jobBytes, helperBytes, seconds: (Date.now() - started) / 1000 };
}
