// Which image the delta helper runs in on a stock device. Preferred: one the device already has that holds
// Node (the balena supervisor's own image on a balenaOS device; edgepush-base/node; an official node image),
// found through the engine API, so the helper costs nothing to ship. Otherwise this machine's
// edgepush-base/node is shipped once (gzip-compressed `docker save` into `POST /images/load`), its bytes counted.
import { Transform } from 'node:stream';
import { createGzip } from 'node:zlib';
import type Docker from 'dockerode';
import { unavailable } from '../../shared/errors.js';

export const SHIPPED_HELPER_IMAGE = 'edgepush-base/node:latest';
const SUPERVISOR_RE = /(^|\/)(balena|resin)[a-z0-9_/-]*supervisor/i;

export interface HelperImage {
  id: string;
  name: string;
}

/** Images on the device that may hold `node`, best first (each is tried until one runs the helper). */
export async function helperCandidates(engine: Docker): Promise<HelperImage[]> {
  const images = await engine.listImages();
  const ranked: Array<HelperImage & { rank: number }> = [];
  for (const img of images) {
    const tags = (img.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
    const name = tags[0];
    if (!name) continue;
    if (tags.some((t) => SUPERVISOR_RE.test(t))) ranked.push({ id: img.Id, name, rank: 0 });
    else if (tags.some((t) => t.startsWith('edgepush-base/node:'))) ranked.push({ id: img.Id, name, rank: 1 });
    else if (tags.some((t) => /(^|\/)node:|-node[:-]/.test(t))) ranked.push({ id: img.Id, name, rank: 2 });
  }
  return ranked
    .sort((a, b) => a.rank - b.rank)
    .slice(0, 4)
    .map(({ id, name }) => ({ id, name }));
}

/** Docker's name for this machine's architecture, and a device's (balena arch names). */
export function dockerArchOf(arch: string): string {
  return (
    (
      {
        x64: 'amd64',
        amd64: 'amd64',
        aarch64: 'arm64',
        arm64: 'arm64',
        armv7hf: 'arm',
        rpi: 'arm',
        arm: 'arm',
        i386: '386',
        ia32: '386',
      } as Record<string, string>
    )[arch] ?? arch
  );
}

/** The size of the helper image this machine would ship, or why it cannot. */
export async function shippableHelper(local: Docker, deviceArch: string): Promise<{ id: string; size: number } | { reason: string }> {
  if (dockerArchOf(deviceArch) !== dockerArchOf(process.arch)) {
    return {
      reason: `no image on the device holds node, and this machine's edgepush-base/node is for ${dockerArchOf(process.arch)}, not ${dockerArchOf(deviceArch)}`,
    };
  }
  const info = await local
    .getImage(SHIPPED_HELPER_IMAGE)
    .inspect()
    .catch(() => undefined);
  if (!info)
    return {
      reason: `no image on the device holds node, and this machine has no ${SHIPPED_HELPER_IMAGE} to ship (run \`edgepush base-images\`)`,
    };
  return { id: info.Id, size: info.Size };
}

/** Ships this machine's helper image to the device, gzip-compressed; resolves with the bytes that crossed the wire. */
export async function shipHelperImage(local: Docker, device: Docker, signal?: AbortSignal): Promise<number> {
  const saved = (await local.getImage(SHIPPED_HELPER_IMAGE).get()) as NodeJS.ReadableStream;
  let sent = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _e, cb) {
      sent += chunk.length;
      cb(null, chunk);
    },
  });
  const gz = createGzip({ level: 1 }); // a third of level 6's time for 10 % more bytes, once per device
  saved.pipe(gz).pipe(counter);
  const abort = () => counter.destroy(new Error('cancelled'));
  signal?.addEventListener('abort', abort, { once: true });
  try {
    const out = await device.loadImage(counter, { quiet: true });
    await new Promise<void>((resolve, reject) => device.modem.followProgress(out, (err: Error | null) => (err ? reject(err) : resolve())));
  } catch (err) {
    throw unavailable(`shipping the helper image failed: ${err instanceof Error ? err.message : String(err)}`, err);
  } finally {
    signal?.removeEventListener('abort', abort);
  }
  return sent;
}
