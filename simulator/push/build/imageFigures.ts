// The delta report figures of one image update, computed by the embedded engine (simulator/engine): full size,
// what a layer pull and balenaEngine's librsync method would send, and EdgePush's delta.
import type Docker from 'dockerode';
import { createImageDelta, type ImageDelta } from '../../engine/imageDelta.js';
import { cancelled, unavailable } from '../../shared/errors.js';

export interface ImageFigures {
  imageBytes: number;
  layerPullBytes: number;
  librsyncBytes: number;
  deltaBytes: number;
}

export function noFigures(): ImageFigures {
  return { imageBytes: 0, layerPullBytes: 0, librsyncBytes: 0, deltaBytes: 0 };
}

export function figuresOfDelta(d: ImageDelta): ImageFigures {
  const r = d.report;
  return { imageBytes: r.imageBytes, layerPullBytes: r.layerPullBytes, librsyncBytes: r.librsyncBytes, deltaBytes: r.deltaBytes };
}

/** Reads both images from `docker` (by id) and computes the figures; no basis = first push. */
export async function figuresFor(docker: Docker, basisImageId: string | undefined, targetImageId: string, signal?: AbortSignal): Promise<ImageFigures> {
  if (signal?.aborted) throw cancelled();
  try {
    const d = await createImageDelta({
      basis: basisImageId ? { docker, ref: basisImageId } : undefined,
      target: { docker, ref: targetImageId },
    });
    return figuresOfDelta(d);
  } catch (err) {
    if (signal?.aborted) throw cancelled();
    throw unavailable(`delta report for ${targetImageId.slice(0, 19)}: ${err instanceof Error ? err.message : String(err)}`, err);
  }
}
