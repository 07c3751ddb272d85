// Delta-aware pulls: how a device gets an image named by a registry reference (`HOST:PORT/app:v2`), asked for
// through its engine endpoint (`docker pull`, `POST /images/create`) or by a target state. In order:
// 1. nothing to fetch when the tag's manifest is the one last pulled, or its image id is already one of this
//    device's images (a HEAD request: no body bytes);
// 2. an EdgePush delta from an image the device has (found by the referrers API or its tag fallback, see
//    simulator/registry/deltaArtifact.ts): its blob is fetched into the device's content store (resumable:
//    an interrupted fetch continues from the bytes held, with a ranged GET), digest-checked, applied against
//    the basis, and loaded only if it rebuilds exactly the manifest's image id;
// 3. otherwise, or when the delta fails any check, a layer pull that skips layers the device's images have.
// The image is then tagged in the device's scope. Whatever happens, the image the device runs is the one the
// manifest names (same image id) or none. Every body byte read from the registry goes through the device's
// link (paced, counted) and is reported per pull.
import { join } from 'node:path';
import { readFileSync } from 'node:fs';

import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import * as z from 'zod';
import { ContentStore } from '../engine/contentStore.js';
import { writeImageArchive } from '../engine/imageArchiveWriter.js';
import { RegistryClient } from '../registry/registryClient.js';
import { formatImageRef, parseImageRef, registryOf } from '../registry/reference.js';
import { chainIds, imageSources, resolveImage, type ResolvedImage } from '../registry/imageFetch.js';
import { findDeltas, type DeltaArtifact } from '../registry/deltaArtifact.js';
import { corrupt, messageOf } from '../shared/errors.js';
import type { DeviceScope } from './scope.js';
import type { Link } from './link.js';
import { writeFileAtomic } from '../shared/atomicWrite.js';
import { applyDeltaFile, type DeltaApplyDeps } from './deltaApply.js';
import { splitTag } from '../shared/imageRef.js';

export type PullMethod = 'none' | 'delta' | 'layers';

export const pullRecordSchema = z.object({
  ref: z.string(),
  manifestDigest: z.string(),
  imageId: z.string(),
  method: z.enum(['none', 'delta', 'layers']),
  bytesFetched: z.number(),
  seconds: z.number(),
  /** Why a delta was not used, when it was tried. */
  fallback: z.string().optional(),
  at: z.string(),
});
export type PullRecord = z.infer<typeof pullRecordSchema>;

export interface PullProgress {
  (phase: 'resolving' | 'delta' | 'layers' | 'loading', bytes: number, total: number | null): void;
}

export interface RegistryPullDeps extends DeltaApplyDeps {
  scope: DeviceScope;
  link: Link;
  /** The device's data dir; pulls keep `pulls.json` and a content store under `pulls/`. */
  dataDir: string;
  arch: string;
  log(line: string): void;
}

const GOARCH: Record<string, string> = { amd64: 'amd64', aarch64: 'arm64', arm64: 'arm64', armv7hf: 'arm', rpi: 'arm', i386: '386' };

export class RegistryPuller {
  private readonly inFlight = new Map<string, Promise<PullRecord>>();
  private records: Record<string, PullRecord>;
  private storeP: Promise<ContentStore> | undefined;
  private readonly recordsPath: string;

  constructor(private readonly deps: RegistryPullDeps) {
    this.recordsPath = join(deps.dataDir, 'pulls.json');
    this.records = readRecords(this.recordsPath);
  }

  /** What each registry reference's last pull did. */
  get history(): PullRecord[] {
    return Object.values(this.records);
  }

  /** Pulls `ref` (one pull per reference at a time: a second caller shares the first one's result). */
  pull(ref: string, onProgress?: PullProgress): Promise<PullRecord> {
    const key = formatImageRef(parseImageRef(ref));
    const running = this.inFlight.get(key);
    if (running) return running;
    const p = this.doPull(key, onProgress).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, p);
    return p;
  }

  private store(): Promise<ContentStore> {
    return (this.storeP ??= ContentStore.open(join(this.deps.dataDir, 'pulls'), { ingestTtlMs: 7 * 24 * 3600 * 1000 }));
  }

  private async doPull(ref: string, onProgress: PullProgress = () => undefined): Promise<PullRecord> {
    const started = performance.now();
    const parsed = parseImageRef(ref);
    const client = new RegistryClient(registryOf(parsed), { pace: (n) => this.deps.link.receive(n) });
    const scoped = this.deps.scope.scopedImage(ref);
    const done = async (r: Omit<PullRecord, 'ref' | 'bytesFetched' | 'seconds' | 'at'>): Promise<PullRecord> => {
      const record: PullRecord = {
        ref,
        ...r,
        bytesFetched: client.bytesReceived,
        seconds: Math.round((performance.now() - started) / 10) / 100,
        at: new Date().toISOString(),
      };
      this.records = { ...this.records, [ref]: record };
      writeFileAtomic(this.recordsPath, JSON.stringify(this.records));
      this.deps.log(
        `Pulled '${ref}' (${record.method}${record.fallback ? `; delta not used: ${record.fallback}` : ''}): ${record.bytesFetched} bytes fetched in ${record.seconds} s`,
      );
      return record;
    };

    onProgress('resolving', 0, null);
    const head = await client.headManifest(parsed.repository, parsed.digest ?? parsed.tag ?? 'latest');
    const last = this.records[ref];
    if (head && last && last.manifestDigest === head.digest && (await this.imageIdOf(scoped)) === last.imageId) {
      return done({ manifestDigest: head.digest, imageId: last.imageId, method: 'none' });
    }
    const image = await resolveImage(client, parsed, { os: 'linux', architecture: GOARCH[this.deps.arch] ?? this.deps.arch });
    const have = await this.deviceImages();
    if (have.has(image.imageId)) {
      await this.tag(image.imageId, scoped);
      return done({ manifestDigest: image.head.digest, imageId: image.imageId, method: 'none' });
    }

    let fallback: string | undefined;
    try {
      const deltas = await findDeltas(client, parsed.repository, image.head.digest, (base) => have.has(base));
      const best = deltas.filter((d) => d.targetImageId === image.imageId).sort((a, b) => a.blob.size - b.blob.size)[0];
      if (best) {
        await this.applyDelta(client, image, best, scoped, onProgress);
        return done({ manifestDigest: image.head.digest, imageId: image.imageId, method: 'delta' });
      }
    } catch (err) {
      fallback = messageOf(err);
      this.deps.log(`Delta for '${ref}' not used (${fallback}); pulling layers`);
    }
    await this.pullLayers(client, image, scoped, have, onProgress);
    return done({ manifestDigest: image.head.digest, imageId: image.imageId, method: 'layers', fallback });
  }

  /** Image ids of this device's own images (tagged in its scope). */
  private async deviceImages(): Promise<Map<string, string>> {
    const prefix = `edgepush-dev/${this.deps.scope.id}/`;
    const rows = await this.deps.docker.listImages();
    const out = new Map<string, string>();
    for (const r of rows) {
      const tag = (r.RepoTags ?? []).find((t) => t.startsWith(prefix));
      if (tag) out.set(r.Id, tag);
    }
    return out;
  }

  private async imageIdOf(name: string): Promise<string | undefined> {
    try {
      return ((await this.deps.docker.getImage(name).inspect()) as { Id: string }).Id;
    } catch {
      return undefined;
    }
  }

  private async tag(imageId: string, scoped: string): Promise<void> {
    const [repo, tag] = splitTag(scoped);
    await this.deps.docker.getImage(imageId).tag({ repo, tag });
  }

  /** Fetches the delta blob (resuming what an earlier attempt held), checks it, applies it, loads, tags. */
  private async applyDelta(
    client: RegistryClient,
    image: ResolvedImage,
    d: DeltaArtifact,
    scoped: string,
    onProgress: PullProgress,
  ): Promise<void> {
    const store = await this.store();
    const digest = d.blob.digest;
    if (!(await store.info(digest))) {
      const w = await store.writer(`blob-${digest.slice(7)}`);
      try {
        const { offset, body } = await client.blobStream(image.repository, digest, w.offset);
        if (offset === 0 && w.offset > 0) {
          // the registry ignored Range: start over
          await w.abort();
          return this.applyDelta(client, image, d, scoped, onProgress);
        }
        let bytes = offset;
        for await (const c of body) {
          if (bytes + c.length > d.blob.size) throw corrupt(`delta blob ${digest.slice(0, 19)} is longer than its ${d.blob.size} bytes`);
          await w.write(Buffer.from(c));
          bytes += c.length;
          onProgress('delta', bytes, d.blob.size);
        }
        if (bytes < d.blob.size) {
          await w.close(); // keep what arrived: the next attempt resumes from here
          throw corrupt(`delta blob ${digest.slice(0, 19)} ended after ${bytes} of ${d.blob.size} bytes`);
        }
        await w.commit(d.blob.size, digest).catch(async (err: unknown) => {
          await w.abort();
          throw corrupt(`delta blob does not match its digest ${digest.slice(0, 19)}…: ${messageOf(err)}`);
        });
      } finally {
        await w.close();
      }
    }
    try {
      onProgress('loading', d.blob.size, d.blob.size);
      // Applied as a delta pushed in local mode is (checks, a worker thread, a deadline, a thin archive); the
      // image is loaded untagged: the names in a delta's header never tag anything, the device tags it here.
      const work = join(this.deps.dataDir, 'pulls', `work-${digest.slice(7, 19)}`);
      await applyDeltaFile(this.deps, store.blobPath(digest), work, (header) => {
        if (header.target.imageId !== image.imageId) throw corrupt(`the delta rebuilds ${header.target.imageId}, not ${image.imageId}`);
        if (!header.basis || header.basis.imageId !== d.baseImageId) throw corrupt('the delta names another basis than its annotation');
      });
      await this.tag(image.imageId, scoped);
    } finally {
      await store.delete(digest).catch(() => undefined);
    }
  }

  /** Config and the layers this device lacks from the registry; the rest from its own images. */
  private async pullLayers(
    client: RegistryClient,
    image: ResolvedImage,
    scoped: string,
    have: Map<string, string>,
    onProgress: PullProgress,
  ): Promise<void> {
    // Layers in a chain one of this device's images holds stay out of the archive: the engine has them.
    const held = new Set<string>();
    for (const [id] of have) {
      const info = (await this.deps.docker.getImage(id).inspect()) as { RootFS?: { Layers?: string[] } };
      for (const c of chainIds(info.RootFS?.Layers ?? [])) held.add(c);
    }
    const { config, layers } = await imageSources(client, image, {
      held: (chainId) => held.has(chainId),
      onLayer: (i, n, bytes) => onProgress(i < n ? 'layers' : 'loading', bytes, null),
    });
    const tar = writeImageArchive({ imageId: image.imageId, config, repoTags: [scoped], layers });
    let failed: unknown;
    tar.on('error', (err) => (failed ??= err));
    try {
      await loadArchive(this.deps.docker, tar);
    } catch (err) {
      throw failed ?? err; // a layer's failed check, rather than the engine's view of the cut archive
    }
    if (failed) throw failed;
    const loaded = await this.imageIdOf(scoped);
    if (loaded !== image.imageId) {
      await this.deps.docker
        .getImage(scoped)
        .remove({ noprune: true })
        .catch(() => undefined);
      throw corrupt(`the pulled layers loaded as ${loaded}, not ${image.imageId}`);
    }
  }
}

function readRecords(path: string): Record<string, PullRecord> {
  try {
    return z.record(z.string(), pullRecordSchema).parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch {
    return {};
  }
}

async function loadArchive(docker: Docker, tar: Readable): Promise<void> {
  const stream = (await docker.loadImage(tar, { quiet: true })) as unknown as Readable;
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => {
      const failed = err ?? (out.find((o) => o.error) ? new Error(out.find((o) => o.error)!.error) : null);
      if (failed) reject(corrupt(`the engine refused the pulled image: ${failed.message}`));
      else resolve();
    });
  });
}
