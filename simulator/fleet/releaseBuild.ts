// A fleet release: the project built once on this machine's engine, each service image pushed to the registry
// as `<fleet>/<service>:<release>`, and EdgePush deltas published only from the images the fleet's devices run
// now (one per distinct base and service; one already in the registry is reused).
import type Docker from 'dockerode';
import { imagesHeldInFiles } from '../engine/imageDeltaFileOffThread.js';
import { buildOnEngine } from '../push/build/engineBuild.js';
import { loadContextFilter, contextArchive } from '../push/project/buildContext.js';
import { platformOf } from '../push/project/dockerfile.js';
import { loadProject, type Project } from '../push/project/loadProject.js';
import { pushImage, type PushedImage } from '../registry/imagePush.js';
import { engineImage, imageBytesOf, type ImageSpool, type LocalImage } from '../registry/localImage.js';
import { endsOf, publishDelta, type PublishedDelta } from '../registry/publishDelta.js';
import type { RegistryClient } from '../registry/registryClient.js';
import { EdgePushError, invalidInput } from '../shared/errors.js';

export interface ReleaseImage {
  service: string;
  repository: string;
  /** `HOST:PORT/<fleet>/<service>:<release>`: what the target state names. */
  ref: string;
  /** In memory, or (large) in an archive file of the rollout's spool. */
  archive: LocalImage;
  pushed: PushedImage;
}

export interface BuildReleaseOptions {
  projectDir: string;
  fleet: string;
  release: string;
  docker: Docker;
  client: RegistryClient;
  /** Where large images are exported to (archive files, read by offset), removed when the rollout ends. */
  spool: ImageSpool;
  deviceType: string;
  arch: string;
  /** What the engine may hold while it makes a delta (default: its own, 256 MiB); larger images go through files. */
  memoryBudget?: number;
  onLine?(service: string, line: string): void;
}

export const repositoryOf = (fleet: string, service: string) => `${fleet}/${service.toLowerCase().replace(/[^a-z0-9._-]+/g, '-')}`;

export async function loadFleetProject(o: Pick<BuildReleaseOptions, 'projectDir' | 'deviceType' | 'arch' | 'release'>): Promise<Project> {
  return loadProject(o.projectDir, { deviceType: o.deviceType, arch: o.arch, releaseHash: o.release, live: false });
}

/** Builds every service once (image-only services are taken from this engine as named). A large image (taken
 *  with a base of its own size, by the engine's rule) is exported to a file, not read into memory. */
export async function buildRelease(o: BuildReleaseOptions, project: Project): Promise<Map<string, LocalImage>> {
  const out = new Map<string, LocalImage>();
  for (const s of project.services) {
    let ref = s.image;
    if (s.contextDir) {
      const filter = await loadContextFilter(s.contextDir, [s.dockerfile!]);
      const context = await contextArchive(s.contextDir, filter, { [s.dockerfile!]: s.dockerfileText! });
      ref = `edgepush-fleet/${o.fleet}/${s.name.toLowerCase()}:${o.release}`;
      await buildOnEngine(o.docker, {
        service: s.name,
        context: context.stream,
        contextBytes: context.approxBytes,
        tag: ref,
        dockerfile: s.dockerfile!,
        labels: { 'io.edgepush.fleet': o.fleet, 'io.edgepush.release': o.release },
        buildArgs: s.buildArgs,
        platform: platformOf(o.arch),
        onLine: (line) => o.onLine?.(s.name, line),
      });
    }
    if (!ref) throw invalidInput(`service '${s.name}' has neither a build nor an image`);
    try {
      const { bytes } = await engineImage(o.docker, ref);
      out.set(s.name, await o.spool.engineImage(o.docker, ref, imagesHeldInFiles([bytes, bytes], o.memoryBudget)));
    } catch (err) {
      if (EdgePushError.is(err, 'not-found')) throw invalidInput(`service '${s.name}': image '${ref}' is not in this machine's engine`);
      throw err;
    }
  }
  return out;
}

export async function pushRelease(o: BuildReleaseOptions, built: Map<string, LocalImage>): Promise<ReleaseImage[]> {
  const out: ReleaseImage[] = [];
  for (const [service, archive] of built) {
    const repository = repositoryOf(o.fleet, service);
    const pushed = await pushImage(o.client, repository, o.release, archive, { workDir: o.spool.dir });
    out.push({ service, repository, ref: `${o.client.address.host}/${repository}:${o.release}`, archive, pushed });
  }
  return out;
}

export interface BaseImage {
  service: string;
  imageId: string;
}

/**
 * The delta from each base to the release image of its service. A base's content comes from this machine's
 * engine (fleet devices share it); its manifest is pushed beside the release as `base-<id>` (every blob is
 * usually there already: only the manifest travels) so the delta can name it.
 */
export async function publishReleaseDeltas(
  o: BuildReleaseOptions,
  release: ReleaseImage[],
  bases: BaseImage[],
  onDelta?: (d: PublishedDelta & { service: string }) => void,
): Promise<(PublishedDelta & { service: string })[]> {
  const out: (PublishedDelta & { service: string })[] = [];
  for (const b of bases) {
    const to = release.find((r) => r.service === b.service);
    if (!to || to.archive.imageId === b.imageId) continue;
    const { bytes } = await engineImage(o.docker, b.imageId);
    const image = await o.spool.engineImage(o.docker, b.imageId, imagesHeldInFiles([bytes, imageBytesOf(to.archive)], o.memoryBudget));
    let d: PublishedDelta & { service: string };
    try {
      const basePushed = await pushImage(o.client, to.repository, `base-${b.imageId.slice(7, 19)}`, image, { workDir: o.spool.dir });
      const published = await publishDelta(
        o.client,
        to.repository,
        { image, ends: endsOf(basePushed) },
        { image: to.archive, pushed: to.pushed },
        { workDir: o.spool.dir, memoryBudget: o.memoryBudget },
      );
      d = { ...published, service: b.service };
    } finally {
      await o.spool.drop(image);
    }
    onDelta?.(d);
    out.push(d);
  }
  return out;
}

/** What a layer pull of `to` costs a device that runs `from` (its image id and layers' diff ids; undefined:
 *  nothing). */
export function layerPullCost(to: ReleaseImage, from: { imageId: string; diffIds: readonly string[] } | undefined): number {
  const have = new Set(from?.diffIds ?? []);
  if (from?.imageId === to.archive.imageId) return 0;
  return to.pushed.manifestSize + to.archive.config.length + to.pushed.layers.reduce((s, l) => s + (have.has(l.diffId) ? 0 : l.size), 0);
}
