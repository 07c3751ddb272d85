// Shipping a locally built image to the device. An EdgePush device takes an image delta against the image it
// already runs (the embedded engine's codec) on its delta endpoint (`delta-agent`); any other device (a stock
// balenaOS device) gets the delta through a helper container on its engine (`delta-helper`, helperDelta.ts), or,
// where no helper can run, the full image through its engine's `POST /images/load` (`load`), with the reason.
import type Docker from 'dockerode';
import type { DeviceClient } from '../deviceClient.js';
import type { PushEvent } from '../types.js';
import { imageIdOf } from './engineBuild.js';
import { figuresFor, figuresOfDelta, type ImageFigures } from './imageFigures.js';
import { shipImageFull } from './shipImage.js';
import { createImageDeltaOffThread } from '../../engine/imageDeltaOffThread.js';
import { createImageDeltaFileOffThread, imagesHeldInFiles } from '../../engine/imageDeltaFileOffThread.js';
import { DeltaUnsupported, sendImageDelta, deviceTakesDeltas } from './sendDelta.js';
import { HelperFallback, shipWithHelper } from './helperDelta.js';
import type { ShipMethod } from '../types.js';

export interface ShipOptions {
  client: DeviceClient;
  local: Docker;
  imageId: string;
  /** The image the device runs for this service now (its id on the device), if any. */
  basisImageId: string | undefined;
  /** Another image both sides may hold (the Dockerfile's FROM image), used when this machine lacks the first. */
  alternateBasisImageId?: string;
  tag: string;
  service: string;
  signal?: AbortSignal;
  onEvent: (e: PushEvent) => void;
  wantFigures: boolean;
  /** The device's architecture (balena names), for a helper image shipped from here. */
  deviceArch?: string;
}

export interface Shipped {
  sentBytes: number;
  seconds: number;
  figures: ImageFigures;
  method: ShipMethod;
  /** What setting up the delta helper cost on this push (on top of sentBytes). */
  helperBytes: number;
}

/** The engine's size of an image (0 when it does not say). */
async function imageSizeOf(docker: Docker, id: string): Promise<number> {
  const info = (await docker.getImage(id).inspect()) as { Size?: number };
  return info.Size ?? 0;
}

export async function shipToDevice(o: ShipOptions): Promise<Shipped> {
  const progress = (sent: number, total: number) =>
    o.onEvent({
      type: 'service',
      service: o.service,
      phase: 'shipping',
      percent: total > 0 ? Math.min(100, Math.floor((sent / total) * 100)) : 0,
      bytes: sent,
    });
  // The basis must be readable here too; image ids are content addresses, so the same id is the same image.
  const here = async (id: string | undefined) => (id && (await imageIdOf(o.local, id)) ? id : undefined);
  const basisHere = (await here(o.basisImageId)) ?? (await here(o.alternateBasisImageId));
  const agentTakesDeltas = await deviceTakesDeltas(o.client, o.signal);
  o.onEvent({ type: 'service', service: o.service, phase: 'shipping', percent: 0, bytes: 0 });
  const sources = {
    basis: basisHere ? { docker: o.local, ref: basisHere } : undefined,
    target: { docker: o.local, ref: o.imageId },
    estimates: o.wantFigures,
    signal: o.signal,
  };
  // Images that together take more than half the engine's memory budget are streamed to files and diffed
  // within the budget (windowed); smaller ones are read into memory, which is quicker.
  const sizes = await Promise.all([basisHere, o.imageId].map((id) => (id ? imageSizeOf(o.local, id) : 0)));
  const delta = imagesHeldInFiles(sizes) ? await createImageDeltaFileOffThread(sources) : await createImageDeltaOffThread(sources);
  // A delta of large images lives in a file of its own: removed however the push ends (sent, failed, cancelled).
  try {
    if (agentTakesDeltas) {
      try {
        const sent = await sendImageDelta(o.client, delta, { tag: o.tag, signal: o.signal, onProgress: progress });
        return { sentBytes: sent.sentBytes, seconds: sent.seconds, figures: figuresOfDelta(delta), method: 'delta-agent', helperBytes: 0 };
      } catch (err) {
        if (!(err instanceof DeltaUnsupported)) throw err;
        o.onEvent({ type: 'step', message: `${o.client.host} takes no deltas; shipping the full image` });
      }
    } else {
      try {
        const sent = await shipWithHelper({ ...o, delta, deviceArch: o.deviceArch ?? 'amd64', onProgress: progress });
        return {
          sentBytes: sent.sentBytes,
          seconds: sent.seconds,
          figures: figuresOfDelta(delta),
          method: 'delta-helper',
          helperBytes: sent.helperBytes,
        };
      } catch (err) {
        if (!(err instanceof HelperFallback)) throw err;
        o.onEvent({ type: 'step', message: `${o.service}: no delta to ${o.client.host} (${err.message}); shipping the full image` });
        const shipped = await shipImageFull(o.local, o.client.engine(), o.imageId, o.tag, { signal: o.signal, onProgress: progress });
        return { ...shipped, figures: figuresOfDelta(delta), method: 'load', helperBytes: err.helperBytes };
      }
    }
  } finally {
    await delta.dispose();
  }
  const shipped = await shipImageFull(o.local, o.client.engine(), o.imageId, o.tag, { signal: o.signal, onProgress: progress });
  const figures = o.wantFigures
    ? await figuresFor(o.local, basisHere, o.imageId, o.signal).figures
    : { imageBytes: shipped.sentBytes, layerPullBytes: 0, librsyncBytes: 0, deltaBytes: 0 };
  return { ...shipped, figures, method: 'load', helperBytes: 0 };
}
