// Sending an image delta to an EdgePush device: `PUT /v2/edgepush/deltas/:id` on the supervisor port, resumable
// by offset (`GET` tells how much the device holds). Counts the bytes that crossed the wire.
import { request } from 'node:http';
import { cancelled, unavailable } from '../../shared/errors.js';
import type { DeviceClient } from '../deviceClient.js';
import type { ImageDelta } from '../../engine/imageDelta.js';

export async function deviceTakesDeltas(client: DeviceClient, signal?: AbortSignal): Promise<boolean> {
  return (await client.edgepushStats({ signal }).catch(() => undefined)) !== undefined;
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

export function deltaIdOf(delta: ImageDelta): string {
  return delta.header.target.imageId.replace(/^sha256:/, '').slice(0, 64);
}

export async function sendImageDelta(
  client: DeviceClient,
  delta: ImageDelta,
  o: { tag: string; signal?: AbortSignal; onProgress?: (sent: number, total: number) => void },
): Promise<SendResult> {
  const started = Date.now();
  const url = new URL(`${client.supervisorUrl}/v2/edgepush/deltas/${deltaIdOf(delta)}`);
  url.searchParams.set('tag', o.tag);
  const total = delta.bytes;
  let sent = 0;
  await new Promise<void>((resolve, reject) => {
    const req = request(url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'content-length': String(total) }, signal: o.signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode === 200 || res.statusCode === 201 || res.statusCode === 204) resolve();
        else if ((res.statusCode === 404 || res.statusCode === 405 || res.statusCode === 501) && !/delta/i.test(text)) reject(new DeltaUnsupported(res.statusCode));
        else reject(unavailable(`device ${client.host} refused the delta (${res.statusCode}): ${text.slice(0, 200)}`));
      });
      res.on('error', reject);
    });
    req.on('error', (err) => reject(o.signal?.aborted ? cancelled() : unavailable(`sending the delta to ${client.host} failed: ${err.message}`, err)));
    const body = delta.stream();
    body.on('data', (c: Buffer) => {
      sent += c.length;
      o.onProgress?.(sent, total);
    });
    body.pipe(req);
  });
  return { sentBytes: sent, seconds: (Date.now() - started) / 1000 };
}
