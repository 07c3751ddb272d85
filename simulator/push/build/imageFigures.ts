// The delta report figures of one image update, computed by the embedded engine (simulator/engine): full size,
// what a layer pull and balenaEngine's librsync method would send, and EdgePush's delta.
import type Docker from 'dockerode';
import { loadImage, type ImageDelta } from '../../engine/imageDelta.js';
import { createImageDeltaOffThread } from '../../engine/imageDeltaOffThread.js';
import type { ImageArchive } from '../../engine/imageArchive.js';
import { cancelled, messageOf, unavailable } from '../../shared/errors.js';

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

/**
 * Image archives read for reports, by image id (ids are content addresses, so an entry never goes stale). A warm
 * push's basis is usually the previous push's target: kept here it is not exported from the engine again.
 */
const archiveCache = new Map<string, Promise<ImageArchive>>();
const CACHE_BYTES = 256 * 1024 * 1024;
const cacheSizes = new Map<string, number>();

function cachedImage(docker: Docker, imageId: string): Promise<ImageArchive> {
  const hit = archiveCache.get(imageId);
  if (hit) {
    archiveCache.delete(imageId);
    archiveCache.set(imageId, hit);
    return hit;
  }
  const p = loadImage({ docker, ref: imageId });
  archiveCache.set(imageId, p);
  p.then(
    (a) => {
      cacheSizes.set(imageId, a.config.length + a.layers.reduce((n, l) => n + l.data.length, 0));
      let total = [...cacheSizes.values()].reduce((n, x) => n + x, 0);
      for (const id of archiveCache.keys()) {
        if (total <= CACHE_BYTES || id === imageId) break;
        total -= cacheSizes.get(id) ?? 0;
        archiveCache.delete(id);
        cacheSizes.delete(id);
      }
    },
    () => archiveCache.delete(imageId),
  );
  return p;
}

export interface PendingFigures {
  /** Resolves once both images have been read from the engine (the device may drop the old one after the update). */
  read: Promise<void>;
  figures: Promise<ImageFigures>;
}

/** Reads both images from `docker` (by id) and computes the figures; no basis = first push. */
export function figuresFor(docker: Docker, basisImageId: string | undefined, targetImageId: string, signal?: AbortSignal): PendingFigures {
  const fail = (err: unknown) => {
    if (signal?.aborted) return cancelled();
    return unavailable(`delta report for ${targetImageId.slice(0, 19)}: ${messageOf(err)}`, err);
  };
  const images = Promise.all([basisImageId ? cachedImage(docker, basisImageId) : undefined, cachedImage(docker, targetImageId)]);
  const figures = images.then(
    async ([basis, target]) => {
      if (signal?.aborted) throw cancelled();
      return figuresOfDelta(await createImageDeltaOffThread({ basis, target, signal }));
    },
    (err: unknown) => {
      throw fail(err);
    },
  );
  return {
    read: images.then(
      () => undefined,
      () => undefined,
    ),
    figures: figures.catch((err: unknown) => {
      throw fail(err);
    }),
  };
}
