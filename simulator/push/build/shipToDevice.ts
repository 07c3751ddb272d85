// Shipping a locally built image to the device. An EdgePush device takes an image delta against the image it
// already runs (the embedded engine's codec) on its delta endpoint; any other device (a real balenaOS device)
// gets the full image through its engine's `POST /images/load`.
import type Docker from 'dockerode';
import type { DeviceClient } from '../deviceClient.js';
import type { PushEvent } from '../types.js';
import { imageIdOf } from './engineBuild.js';
import { figuresFor, figuresOfDelta, type ImageFigures } from './imageFigures.js';
import { shipImageFull } from './shipImage.js';
import { createImageDeltaOffThread } from '../../engine/imageDeltaOffThread.js';
import { DeltaUnsupported, sendImageDelta, deviceTakesDeltas } from './sendDelta.js';

export interface ShipOptions {
  client: DeviceClient;
  local: Docker;
  imageId: string;
  /** The image the device runs for this service now (its id on the device), if any. */
  basisImageId: string | undefined;
  tag: string;
  service: string;
  signal?: AbortSignal;
  onEvent: (e: PushEvent) => void;
  wantFigures: boolean;
}

export interface Shipped {
  sentBytes: number;
  seconds: number;
  figures: ImageFigures;
  method: 'delta' | 'load';
}

export async function shipToDevice(o: ShipOptions): Promise<Shipped> {
  const progress = (sent: number, total: number) =>
    o.onEvent({ type: 'service', service: o.service, phase: 'shipping', percent: total > 0 ? Math.min(100, Math.floor((sent / total) * 100)) : 0, bytes: sent });
  // The basis must be readable here too; image ids are content addresses, so the same id is the same image.
  const basisHere = o.basisImageId && (await imageIdOf(o.local, o.basisImageId)) ? o.basisImageId : undefined;
  if (await deviceTakesDeltas(o.client, o.signal)) {
    o.onEvent({ type: 'service', service: o.service, phase: 'shipping', percent: 0, bytes: 0 });
    const delta = await createImageDeltaOffThread({
      basis: basisHere ? { docker: o.local, ref: basisHere } : undefined,
      target: { docker: o.local, ref: o.imageId },
      estimates: o.wantFigures,
      signal: o.signal,
    });
    try {
      const sent = await sendImageDelta(o.client, delta, { tag: o.tag, signal: o.signal, onProgress: progress });
      return { sentBytes: sent.sentBytes, seconds: sent.seconds, figures: figuresOfDelta(delta), method: 'delta' };
    } catch (err) {
      if (!(err instanceof DeltaUnsupported)) throw err;
      o.onEvent({ type: 'step', message: `${o.client.host} takes no deltas; shipping the full image` });
    }
  }
  const shipped = await shipImageFull(o.local, o.client.engine(), o.imageId, o.tag, { signal: o.signal, onProgress: progress });
  const figures = o.wantFigures ? await figuresFor(o.local, basisHere, o.imageId, o.signal).figures : { imageBytes: shipped.sentBytes, layerPullBytes: 0, librsyncBytes: 0, deltaBytes: 0 };
  return { ...shipped, figures, method: 'load' };
}
