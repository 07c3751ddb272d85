// Sending an image delta to an EdgePush device: `PUT /v2/edgepush/deltas/:id?tag=&digest=&size=` on the
// supervisor port. The id is derived from the delta's digest, so an interrupted transfer resumes where the device
// stopped (`GET` tells its offset; the rest goes with `Content-Range`). Counts the bytes that crossed the wire.
import { request } from 'node:http';
import * as z from 'zod';
import { cancelled, unavailable } from '../../shared/errors.js';
import type { DeviceClient } from '../deviceClient.js';
import { httpRequest } from '../http.js';
import type { ImageDelta } from '../../engine/imageDelta.js';
import type { DeltaBytes } from '../../engine/deltaBytes.js';
import { followDeltaReceipt } from './deltaReceipt.js';

export async function deviceTakesDeltas(client: DeviceClient, signal?: AbortSignal): Promise<boolean> {
  return (await client.edgepushStats({ signal }).catch(() => undefined)) !== undefined;
}

/** A refusal worth another try: the device said where to resume (416), or the id is still busy (423). */
class RetryableAnswer extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The device has no delta endpoint (an older EdgePush device): ship the full image instead. */
export class DeltaUnsupported extends Error {
  constructor(readonly status: number) {
    super(`the device has no delta endpoint (${status})`);
  }
}

export interface SendResult {
  sentBytes: number;
  seconds: number;
}

const heldSchema = z.looseObject({ complete: z.boolean().optional(), offset: z.number().optional() });

export function deltaIdOf(digest: string): string {
  return `d-${digest.slice('sha256:'.length, 'sha256:'.length + 40)}`;
}

/** The most the body hands the socket at a time: progress counts what the socket took, in steps this size (a
 *  delta of new content is one large chunk, or one file; handed over whole, progress would read 100% while a slow
 *  link still carries it). */
export const SEND_PIECE_BYTES = 64 * 1024;

async function heldOffset(client: DeviceClient, id: string, signal?: AbortSignal): Promise<number> {
  const r = await httpRequest(
    `${client.supervisorUrl}/v2/edgepush/deltas/${id}`,
    { headers: client.authHeaders() },
    { signal, timeoutMs: 5000 },
  ).catch(() => undefined);
  if (!r || r.status !== 200) return 0;
  try {
    const h = heldSchema.parse(JSON.parse(r.text));
    return h.complete ? 0 : (h.offset ?? 0);
  } catch {
    return 0;
  }
}

function putOnce(
  client: DeviceClient,
  url: URL,
  content: DeltaBytes,
  offset: number,
  o: { signal?: AbortSignal; onBytes: (n: number) => void; idleTimeoutMs?: number },
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const total = content.size;
    const headers: Record<string, string> = {
      'content-type': 'application/octet-stream',
      'content-length': String(total - offset),
      ...client.authHeaders(),
    };
    if (offset > 0) headers['content-range'] = `bytes ${offset}-${total - 1}/${total}`;
    const req = request(url, { method: 'PUT', headers, signal: o.signal }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        const code = res.statusCode ?? 0;
        if (code === 200) resolve();
        // no such route: a plain 404/405 (the real supervisor's is express's page "Cannot PUT /path", which names the path)
        else if ((code === 404 || code === 405 || code === 501) && (/Cannot PUT /.test(text) || !/delta/i.test(text)))
          reject(new DeltaUnsupported(code));
        else if (code === 416 || code === 423)
          reject(new RetryableAnswer(code, `device ${client.host} answered ${code}: ${text.slice(0, 200)}`));
        else reject(unavailable(`device ${client.host} refused the delta (${code}): ${text.slice(0, 200)}`));
      });
      res.on('error', reject);
    });
    // The device answers once it has verified and loaded the image; a silent socket this long means it is stuck.
    req.setTimeout(o.idleTimeoutMs ?? 300_000, () =>
      req.destroy(new Error(`no answer from the device for ${Math.round((o.idleTimeoutMs ?? 300_000) / 1000)} s`)),
    );
    req.on('error', (err) =>
      reject(o.signal?.aborted ? cancelled() : unavailable(`sending the delta to ${client.host} broke: ${err.message}`, err)),
    );
    const body = content.stream(offset, SEND_PIECE_BYTES);
    body.on('data', (c: Buffer) => o.onBytes(c.length));
    // A file's descriptor is closed with the request, however it ends (a cut connection, a cancel).
    body.on('error', (err) => req.destroy(err));
    req.on('close', () => body.destroy());
    body.pipe(req);
  });
}

/** Tries in all; waits between them grow 0.5 s, 1 s, 2 s, 4 s (with jitter) after a broken connection or a busy id. */
const MAX_ATTEMPTS = 5;
const backoffMs = (attempt: number) => Math.min(4000, 500 * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.5);

const pause = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * Sends the delta; resolves when the device applied it. After a broken connection it resumes where the device
 * stopped, after a back-off; when the device says where to resume (416: the bytes it holds moved) it resumes
 * there at once. A device whose earlier upload of the same delta is still open hands it over at once.
 */
export async function sendImageDelta(
  client: DeviceClient,
  delta: ImageDelta,
  o: { tag: string; signal?: AbortSignal; onProgress?: (sent: number, total: number) => void },
): Promise<SendResult> {
  const started = Date.now();
  const digest = await delta.content.digest();
  const id = deltaIdOf(digest);
  const total = delta.bytes;
  const url = new URL(`${client.supervisorUrl}/v2/edgepush/deltas/${id}`);
  url.searchParams.set('tag', o.tag);
  url.searchParams.set('digest', digest);
  url.searchParams.set('size', String(total));
  let sent = 0;
  let resumes = 0;
  // Progress never goes back: the device's receipt where it sends one, else the bytes written.
  let shown = -1;
  const progress = (bytes: number) => {
    if (bytes <= shown) return;
    shown = bytes;
    o.onProgress?.(bytes, total);
  };
  const receipt = o.onProgress ? await followDeltaReceipt(client, id, progress, o.signal) : undefined;
  try {
    for (let attempt = 1; ;) {
      const offset = await heldOffset(client, id, o.signal);
      let position = offset;
      try {
        await putOnce(client, url, delta.content, offset, {
          signal: o.signal,
          onBytes: (n) => {
            sent += n;
            position += n;
            if (!receipt?.following) progress(position);
          },
        });
        progress(total);
        return { sentBytes: sent, seconds: (Date.now() - started) / 1000 };
      } catch (err) {
        if (err instanceof DeltaUnsupported || o.signal?.aborted) throw err;
        if (err instanceof RetryableAnswer && err.status === 416 && ++resumes <= MAX_ATTEMPTS) continue; // resume where it says
        const retryable = err instanceof RetryableAnswer || /broke/.test(err instanceof Error ? err.message : '');
        if (!retryable || attempt >= MAX_ATTEMPTS) throw err instanceof RetryableAnswer ? unavailable(err.message) : err;
        await pause(backoffMs(attempt++), o.signal);
        if (o.signal?.aborted) throw cancelled();
      }
    }
  } finally {
    receipt?.stop();
  }
}
