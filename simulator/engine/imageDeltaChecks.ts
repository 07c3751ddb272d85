// Checks an image delta's header before any work is done: everything it declares must agree with itself (the
// config's layers, the archive size, the payload bytes), with the basis it names, and with what this machine
// has (free memory for the basis and the old input, free disk for the rebuilt archive). A hostile delta that
// declares gigabytes, lists one basis layer a thousand times or promises an archive it cannot produce is
// refused here, in microseconds, instead of part way through (free memory and disk: freeResources.ts).
import * as z from 'zod';
import type { ImageDeltaHeader } from './imageDeltaFormat.js';
import { imageArchiveSize } from './imageArchiveWriter.js';
import { conflict, corrupt } from '../shared/errors.js';

/** More layers than any Docker storage driver stacks (overlay2 stops at 128). */
export const MAX_IMAGE_LAYERS = 256;
/** Memory apply needs beyond the basis and the old input: a few blocks of at most 64 MiB, and slack. */
export const APPLY_WORKING_BYTES = 320 << 20;

export interface BasisFacts {
  imageId: string;
  layers: { diffId: string; size: number }[];
}

const configSchema = z.looseObject({ rootfs: z.looseObject({ diff_ids: z.array(z.string()) }) });

const duplicate = (ids: string[]) => ids.find((id, i) => ids.indexOf(id) !== i);

/** The header agrees with itself: config layers, sources, sizes, payload length. Throws `corrupt`. */
export function checkHeaderConsistency(h: ImageDeltaHeader, opts: { payloadBytes?: number } = {}): void {
  const t = h.target;
  if (t.layers.length > MAX_IMAGE_LAYERS) throw corrupt(`image delta declares ${t.layers.length} layers (at most ${MAX_IMAGE_LAYERS})`);
  let config: z.infer<typeof configSchema>;
  try {
    config = configSchema.parse(JSON.parse(t.config));
  } catch {
    throw corrupt('image delta config is not an image config');
  }
  const ids = t.layers.map((l) => l.diffId);
  if (config.rootfs.diff_ids.length !== ids.length || config.rootfs.diff_ids.some((d, i) => d !== ids[i])) {
    throw corrupt('image delta layers do not match the layers its config lists');
  }
  if (h.basis) {
    const dupOld = duplicate(h.basis.oldLayers) ?? duplicate(h.basis.reusedLayers);
    if (dupOld) throw corrupt(`image delta lists basis layer ${dupOld} more than once`);
  }
  const seen = new Map<string, number>();
  let payload = 0;
  for (const l of t.layers) {
    const before = seen.get(l.diffId);
    if (l.source === 'repeat') {
      if (before === undefined || before !== l.size)
        throw corrupt(`image delta repeats layer ${l.diffId}, which comes before with another size or not at all`);
    } else if (before !== undefined) {
      throw corrupt(`image delta lists layer ${l.diffId} twice`);
    }
    if (l.source === 'basis' && !h.basis?.reusedLayers.includes(l.diffId))
      throw corrupt(`image delta reuses layer ${l.diffId}, which its basis list does not name`);
    if (l.source === 'delta') payload += l.deltaBytes;
    else if (l.deltaBytes !== 0) throw corrupt(`image delta layer ${l.diffId} carries payload bytes it does not use`);
    seen.set(l.diffId, l.size);
  }
  if (opts.payloadBytes !== undefined && payload !== opts.payloadBytes) {
    throw corrupt(`image delta payload is ${opts.payloadBytes} bytes, its header declares ${payload}`);
  }
  const imageBytes = Buffer.byteLength(t.config) + t.layers.reduce((n, l) => n + l.size, 0);
  if (t.imageBytes !== imageBytes) throw corrupt(`image delta declares ${t.imageBytes} image bytes, its layers add up to ${imageBytes}`);
  const archive = imageArchiveSize({ imageId: t.imageId, configSize: Buffer.byteLength(t.config), repoTags: t.repoTags, layers: t.layers });
  if (t.archiveSize !== archive) throw corrupt(`image delta declares an archive of ${t.archiveSize} bytes, its layers make ${archive}`);
}

/** The header agrees with the basis at hand: every layer it reuses or diffs against is there, same size. */
export function checkHeaderAgainstBasis(h: ImageDeltaHeader, basis: BasisFacts | undefined): void {
  if (!h.basis) return;
  if (!basis) throw conflict(`the delta needs basis image ${h.basis.imageId}; none was given`);
  const sizes = new Map(basis.layers.map((l) => [l.diffId, l.size]));
  const missing = [...h.basis.oldLayers, ...h.basis.reusedLayers].find((id) => !sizes.has(id));
  if (missing) throw conflict(`wrong basis: it lacks layer ${missing} (the delta needs image ${h.basis.imageId})`);
  for (const l of h.target.layers) {
    if (l.source === 'basis' && sizes.get(l.diffId) !== l.size)
      throw corrupt(`image delta declares basis layer ${l.diffId} with ${l.size} bytes; the basis has ${sizes.get(l.diffId)}`);
  }
}

export interface ApplyNeeds {
  /** Memory for the basis (held while applying), the old input, and the working blocks. */
  memoryBytes: number;
  /** The rebuilt archive on disk. */
  archiveBytes: number;
  /** The image once loaded into an engine on the same disk. */
  imageBytes: number;
}

/** `streamedOld`: the old input is not held up front (a basis read on demand: windowed layer deltas stream it,
 *  a whole-input one checks free memory for it when it comes). */
export function applyNeeds(h: ImageDeltaHeader, basisBytes: number, basis?: BasisFacts, streamedOld = false): ApplyNeeds {
  const sizes = new Map(basis?.layers.map((l) => [l.diffId, l.size]) ?? []);
  const old = h.basis && !streamedOld ? h.basis.oldLayers.reduce((n, id) => n + (sizes.get(id) ?? 0), 0) : 0;
  return { memoryBytes: basisBytes + old + APPLY_WORKING_BYTES, archiveBytes: h.target.archiveSize, imageBytes: h.target.imageBytes };
}
