// A fleet release: the project built once on this machine's engine, each service image pushed to the registry
// as `<fleet>/<service>:<release>`, and EdgePush deltas published only from the images the fleet's devices run
// now (one per distinct base and service; one already in the registry is reused).
import type Docker from 'dockerode';
import { readImageArchive, type ImageArchive } from '../engine/imageArchive.js';
import { buildOnEngine } from '../push/build/engineBuild.js';
import { loadContextFilter, contextArchive } from '../push/project/buildContext.js';
import { platformOf } from '../push/project/dockerfile.js';
import { loadProject, type Project } from '../push/project/loadProject.js';
import { pushImageArchive, type PushedImage } from '../registry/imagePush.js';
import { endsOf, publishDelta, type PublishedDelta } from '../registry/publishDelta.js';
import type { RegistryClient } from '../registry/registryClient.js';
import { EdgePushError, invalidInput } from '../shared/errors.js';

export interface ReleaseImage {
  service: string;
  repository: string;
  /** `HOST:PORT/<fleet>/<service>:<release>`: what the target state names. */
  ref: string;
  archive: ImageArchive;
  pushed: PushedImage;
}

export interface BuildReleaseOptions {
  projectDir: string;
  fleet: string;
  release: string;
  docker: Docker;
  client: RegistryClient;
  deviceType: string;
  arch: string;
  onLine?(service: string, line: string): void;
}

export const repositoryOf = (fleet: string, service: string) => `${fleet}/${service.toLowerCase().replace(/[^a-z0-9._-]+/g, '-')}`;

export async function loadFleetProject(o: Pick<BuildReleaseOptions, 'projectDir' | 'deviceType' | 'arch' | 'release'>): Promise<Project> {
  return loadProject(o.projectDir, { deviceType: o.deviceType, arch: o.arch, releaseHash: o.release, live: false });
}

/** Builds every service once (image-only services are taken from this engine as named). */
export async function buildRelease(o: BuildReleaseOptions, project: Project): Promise<Map<string, ImageArchive>> {
  const out = new Map<string, ImageArchive>();
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
      out.set(s.name, await readImageArchive({ docker: o.docker, ref }));
    } catch (err) {
      if (EdgePushError.is(err, 'not-found')) throw invalidInput(`service '${s.name}': image '${ref}' is not in this machine's engine`);
      throw err;
    }
  }
  return out;
}

export async function pushRelease(o: BuildReleaseOptions, built: Map<string, ImageArchive>): Promise<ReleaseImage[]> {
  const out: ReleaseImage[] = [];
  for (const [service, archive] of built) {
    const repository = repositoryOf(o.fleet, service);
    const pushed = await pushImageArchive(o.client, repository, o.release, archive);
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
    const image = await readImageArchive({ docker: o.docker, ref: b.imageId });
    const basePushed = await pushImageArchive(o.client, to.repository, `base-${b.imageId.slice(7, 19)}`, image);
    const d = {
      ...(await publishDelta(o.client, to.repository, { image, ends: endsOf(basePushed) }, { image: to.archive, pushed: to.pushed })),
      service: b.service,
    };
    onDelta?.(d);
    out.push(d);
  }
  return out;
}

/** What a layer pull of `to` costs a device that runs `fromImageId` (undefined: nothing). */
export function layerPullCost(to: ReleaseImage, from: ImageArchive | undefined): number {
  const have = new Set(from?.layers.map((l) => l.diffId) ?? []);
  if (from?.imageId === to.archive.imageId) return 0;
  return to.pushed.manifestSize + to.archive.config.length + to.pushed.layers.reduce((s, l) => s + (have.has(l.diffId) ? 0 : l.size), 0);
}
