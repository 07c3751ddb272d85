// Image-level deltas: a target image described against a basis image. Layers whose diff id the basis has cost
// nothing; every other layer is a byte delta against the basis layers the target dropped (concatenated), which
// is where a rebuilt layer's old content lives. Also the per-image report of what each method would send.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createByteDeltaAsync, type CreateByteDeltaOptions } from './byteDelta.js';
import { readImageArchive, type ImageArchive, type ImageSource } from './imageArchive.js';
import { imageArchiveSize } from './imageArchiveWriter.js';
import { encodeImageDeltaHeader, type ImageDeltaHeader } from './imageDeltaFormat.js';
import { gzipBytes, librsyncEstimate } from './wireEstimates.js';
import { commitFileAtomically } from './atomicFile.js';
import { deltaBytesInMemory, type DeltaBytes } from './deltaBytes.js';
import type { ImageDeltaReport, LayerDeltaReport } from './deltaReport.js';
import { invalidInput } from '../shared/errors.js';

export interface CreateImageDeltaOptions {
  /** The image the device has; omit on a first push (the delta is then the compressed full image). */
  basis?: ImageSource | ImageArchive;
  target: ImageSource | ImageArchive;
  /** Also write the delta here (atomically: temp file, fsync, rename). */
  outputPath?: string;
  /** Compute layerPullBytes and librsyncBytes too (default true); false leaves them 0. */
  estimates?: boolean;
  codec?: CreateByteDeltaOptions;
}

/** A delta as the push sends it: its bytes are in memory (ImageDeltaInMemory) or in a file it owns
 *  (imageDeltaFileOffThread.ts). */
export interface ImageDelta {
  header: ImageDeltaHeader;
  bytes: number;
  report: ImageDeltaReport;
  /** The delta bytes, header first: size, digest, reads from an offset. */
  content: DeltaBytes;
  deltaPath?: string;
  /** A fresh stream over the delta bytes. */
  stream(): Readable;
  /** Removes the file that holds the bytes, if the delta owns one (call it once the delta is sent). */
  dispose(): Promise<void>;
}

export interface ImageDeltaInMemory extends ImageDelta {
  /** The delta bytes, header first. */
  chunks: Uint8Array[];
}

export function imageDeltaInMemory(
  d: { header: ImageDeltaHeader; report: ImageDeltaReport; deltaPath?: string },
  chunks: Uint8Array[],
): ImageDeltaInMemory {
  const content = deltaBytesInMemory(chunks);
  return {
    ...d,
    chunks,
    bytes: content.size,
    content,
    stream: () => Readable.from(chunks),
    dispose: () => Promise.resolve(),
  };
}

const isArchive = (x: ImageSource | ImageArchive): x is ImageArchive => 'layers' in x && 'imageId' in x;
export const loadImage = async (x: ImageSource | ImageArchive): Promise<ImageArchive> => (isArchive(x) ? x : readImageArchive(x));

export async function createImageDelta(opts: CreateImageDeltaOptions): Promise<ImageDeltaInMemory> {
  const started = performance.now();
  const [basis, target] = await Promise.all([opts.basis ? loadImage(opts.basis) : undefined, loadImage(opts.target)]);
  const basisIds = new Set(basis?.layers.map((l) => l.diffId) ?? []);
  const targetIds = new Set(target.layers.map((l) => l.diffId));
  const oldLayers = basis ? dedupe(basis.layers.filter((l) => !targetIds.has(l.diffId))) : [];
  const old = Buffer.concat(oldLayers.map((l) => l.data));
  const estimates = opts.estimates !== false;

  const payloads: Uint8Array[] = [];
  const layers: ImageDeltaHeader['target']['layers'] = [];
  const reports: LayerDeltaReport[] = [];
  const seen = new Set<string>();
  for (const l of target.layers) {
    const size = l.data.length;
    if (basisIds.has(l.diffId) || seen.has(l.diffId)) {
      layers.push({ diffId: l.diffId, size, source: basisIds.has(l.diffId) ? 'basis' : 'repeat', deltaBytes: 0 });
      reports.push({ diffId: l.diffId, size, status: 'shared', layerPullBytes: 0, librsyncBytes: 0, deltaBytes: 0 });
      continue;
    }
    seen.add(l.diffId);
    const pull = estimates ? gzipBytes(l.data) : Promise.resolve(0);
    const rsync = estimates ? (basis ? librsyncEstimate(old, l.data) : pull) : Promise.resolve(0);
    const d = await createByteDeltaAsync(old, l.data, opts.codec);
    payloads.push(...d.chunks);
    layers.push({ diffId: l.diffId, size, source: 'delta', deltaBytes: d.bytes });
    reports.push({
      diffId: l.diffId,
      size,
      status: 'changed',
      layerPullBytes: await pull,
      librsyncBytes: await rsync,
      deltaBytes: d.bytes,
    });
  }
  const outline: DeltaOutline = {
    basis,
    oldLayers,
    target: { ...target, layers: target.layers.map((l) => ({ diffId: l.diffId, size: l.data.length })) },
    layers,
  };
  const header = imageDeltaHeaderOf(outline);
  const chunks = [encodeImageDeltaHeader(header), ...payloads];
  const bytes = chunks.reduce((s, c) => s + c.length, 0);
  let deltaPath: string | undefined;
  if (opts.outputPath) {
    const out = opts.outputPath;
    await commitFileAtomically(out, (w) => pipeline(Readable.from(chunks), w));
    deltaPath = out;
  }
  const report = imageDeltaReportOf(outline, header, reports, bytes, started);
  return imageDeltaInMemory({ header, report, deltaPath }, chunks);
}

/** What either creator (in memory here, from archive files in imageDeltaFiles.ts) knows once every layer is
 *  done: the header and the report are made from it. */
export interface DeltaOutline {
  basis: { imageId: string } | undefined;
  /** The basis layers the target dropped, concatenated as the old input of every byte delta. */
  oldLayers: readonly { diffId: string }[];
  target: { imageId: string; repoTags: string[]; config: Buffer; layers: readonly { diffId: string; size: number }[] };
  layers: ImageDeltaHeader['target']['layers'];
}

export function imageDeltaHeaderOf({ basis, oldLayers, target, layers }: DeltaOutline): ImageDeltaHeader {
  return {
    format: 'edgepush-image-delta',
    version: 1,
    basis: basis
      ? {
          imageId: basis.imageId,
          oldLayers: oldLayers.map((l) => l.diffId),
          reusedLayers: [...new Set(layers.filter((l) => l.source === 'basis').map((l) => l.diffId))],
        }
      : null,
    target: {
      imageId: target.imageId,
      repoTags: target.repoTags,
      config: configText(target.config),
      archiveSize: imageArchiveSize({ imageId: target.imageId, configSize: target.config.length, repoTags: target.repoTags, layers }),
      imageBytes: target.config.length + target.layers.reduce((s, l) => s + l.size, 0),
      layers,
    },
  };
}

/** The report of a delta of `bytes` bytes. Every method also moves the image's metadata when anything changed:
 *  a pull fetches the registry manifest and the config blob, a balenaEngine delta image carries the target
 *  config. EdgePush's header holds it too, so the comparison stays like for like. */
export function imageDeltaReportOf(
  { basis, target }: DeltaOutline,
  header: ImageDeltaHeader,
  reports: LayerDeltaReport[],
  bytes: number,
  started: number,
): ImageDeltaReport {
  const changed = !basis || basis.imageId !== target.imageId;
  const meta = changed
    ? { pull: target.config.length + registryManifestBytes(target), rsync: target.config.length }
    : { pull: 0, rsync: 0 };
  const sum = (k: 'layerPullBytes' | 'librsyncBytes') =>
    reports.reduce((s, r) => s + r[k], k === 'layerPullBytes' ? meta.pull : meta.rsync);
  return {
    targetImageId: target.imageId,
    basisImageId: basis?.imageId ?? null,
    imageBytes: header.target.imageBytes,
    layerPullBytes: sum('layerPullBytes'),
    librsyncBytes: sum('librsyncBytes'),
    deltaBytes: bytes,
    layers: reports,
    seconds: (performance.now() - started) / 1000,
  };
}

/** The report alone (the delta is computed to measure it, then dropped). Works without a basis. */
export async function imageDeltaReport(opts: {
  basis?: ImageSource | ImageArchive;
  target: ImageSource | ImageArchive;
}): Promise<ImageDeltaReport> {
  return (await createImageDelta(opts)).report;
}

/** Size of the registry (schema 2) manifest a pull of this image fetches first. */
export function registryManifestBytes(img: {
  imageId: string;
  config: Uint8Array;
  layers: readonly { diffId: string; size: number }[];
}): number {
  const desc = (mediaType: string, size: number, digest: string) => ({ mediaType, size, digest });
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: desc('application/vnd.docker.container.image.v1+json', img.config.length, img.imageId),
    layers: img.layers.map((l) => desc('application/vnd.docker.image.rootfs.diff.tar.gzip', l.size, l.diffId)),
  };
  return Buffer.byteLength(JSON.stringify(manifest, null, 3));
}

export function configText(config: Buffer): string {
  const text = config.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(config)) throw invalidInput('the image config is not valid UTF-8');
  return text;
}

export function dedupe<T extends { diffId: string }>(layers: T[]): T[] {
  const seen = new Set<string>();
  return layers.filter((l) => !seen.has(l.diffId) && (seen.add(l.diffId), true));
}
