// Shipping a locally built image to a device that has no EdgePush delta endpoint (a real balenaOS device):
// `docker save` on this machine streamed into `POST /images/load` on the device's engine, then tagged with the
// name the target state uses. Counts the bytes that crossed the wire.
import { Transform } from 'node:stream';
import type Docker from 'dockerode';
import { cancelled, messageOf, unavailable } from '../../shared/errors.js';
import { splitTag } from '../../shared/imageRef.js';

export interface ShipResult {
  sentBytes: number;
  seconds: number;
}

export async function shipImageFull(
  local: Docker,
  device: Docker,
  imageId: string,
  tag: string,
  opts: { signal?: AbortSignal; onProgress?: (sent: number, total: number) => void },
): Promise<ShipResult> {
  const started = Date.now();
  const total = (await local.getImage(imageId).inspect()).Size;
  const saved = await local.getImage(imageId).get();
  let sent = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _e, cb) {
      sent += chunk.length;
      opts.onProgress?.(sent, total);
      cb(null, chunk);
    },
  });
  saved.pipe(counter);
  const onAbort = () => counter.destroy(cancelled());
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const out = await device.loadImage(counter, { quiet: true });
    await new Promise<void>((resolve, reject) => {
      device.modem.followProgress(out, (err: Error | null) => (err ? reject(err) : resolve()));
    });
  } catch (err) {
    if (opts.signal?.aborted) throw cancelled();
    throw unavailable(`loading the image into the device's engine failed: ${messageOf(err)}`, err);
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  const [repo, tagName] = splitTag(tag);
  await device.getImage(imageId).tag({ repo, tag: tagName });
  return { sentBytes: sent, seconds: (Date.now() - started) / 1000 };
}
