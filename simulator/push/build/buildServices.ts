// Building every service of a project for one push: on the device's engine (context tar → POST /build on
// :2375, as `balena push`) or on this machine's engine and then shipped (delta to an EdgePush device, full
// image load to any other). Image-only services are tagged on the device. Returns what each build sent.
import { createHash } from 'node:crypto';
import Docker from 'dockerode';
import { cancelled, messageOf } from '../../shared/errors.js';
import type { DeviceClient } from '../deviceClient.js';
import { platformOf } from '../project/dockerfile.js';
import { contextArchive, loadContextFilter, type ContextArchive } from '../project/buildContext.js';
import type { Project, ProjectService } from '../project/loadProject.js';
import { failedIn } from '../pushFailure.js';
import type { DeviceInfo } from '../supervisorSchemas.js';
import { imageNameOf } from '../targetState.js';
import type { BuildFlags, BuildOn, PushEvent, ShipMethod } from '../types.js';
import { buildOnEngine, imageIdOf, type EngineBuildOptions } from './engineBuild.js';
import { figuresFor, noFigures, type ImageFigures } from './imageFigures.js';
import { shipToDevice } from './shipToDevice.js';
import { tagImageOnly } from './imageOnly.js';
import { baseImageOf } from '../project/dockerfileParse.js';
import { withSecretsImage, secretsImageName } from './buildSecrets.js';
import { engineDockerfile } from './engineDockerfile.js';

export interface BuiltService {
  name: string;
  imageId: string;
  basisImageId: string | undefined;
  sentBytes: number;
  /** Measured seconds the transfer took (context upload, or the ship). */
  transferSeconds: number;
  /** How a local build reached the device (absent for device builds and image-only services). */
  method?: ShipMethod;
  /** What setting up the delta helper cost (on top of sentBytes). */
  helperBytes?: number;
  /**
   * The report figures. For device builds they are computed while the device applies the update (they do not
   * hold the push up); never rejects: on failure it resolves with zeros and `reportError` says why.
   */
  figures: Promise<ImageFigures & { reportError?: string }>;
  /** Resolves once what the report needs has been read from the device (await before posting the target state). */
  reportInputsRead: Promise<void>;
}

export interface BuildServicesOptions {
  client: DeviceClient;
  project: Project;
  buildOn: BuildOn;
  only?: string[];
  info: DeviceInfo;
  signal?: AbortSignal;
  skipDeltaReport: boolean;
  /** `--nocache`, `--pull`, `--build-arg` (the Dockerfile choice is the project loader's). */
  flags?: BuildFlags;
  onEvent: (e: PushEvent) => void;
  /** This machine's engine for `buildOn: 'local'` (default: DOCKER_HOST or the local socket). */
  localEngine?: Docker;
}

/** Labels `balena push` puts on images it builds on a device. */
export function localImageLabels(service: string): Record<string, string> {
  return { 'io.resin.local.image': '1', 'io.resin.local.service': service };
}

/** Limits progress events to whole-percent changes. */
function percentEmitter(emit: (pct: number, bytes: number) => void): (done: number, total: number) => void {
  let last = -1;
  return (done, total) => {
    const pct = total > 0 ? Math.floor((done / total) * 100) : 0;
    if (pct !== last) {
      last = pct;
      emit(pct, done);
    }
  };
}

async function contextOf(s: ProjectService, dockerfileText: string): Promise<ContextArchive> {
  const filter = await loadContextFilter(s.contextDir!, [s.dockerfile!], s.excluded);
  return contextArchive(s.contextDir!, filter, { [s.dockerfile!]: dockerfileText });
}

/**
 * The tag of a local build on this machine's engine: in a namespace of its own per project folder
 * (`edgepush-local/<folder>-<hash>/<service>`), so that two projects with a service of the same name never
 * retag each other's images.
 */
export function localBuildTag(project: Pick<Project, 'dir' | 'name'>, service: string): string {
  const key = createHash('sha256').update(project.dir).digest('hex').slice(0, 8);
  const folder =
    project.name
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'app';
  return `edgepush-local/${folder}-${key}/${service.toLowerCase()}:latest`;
}

/**
 * One engine build of a service, with its build secrets when it has any: then the build runs with BuildKit and
 * every RUN mounts the secrets image (buildSecrets.ts); otherwise the engine's classic builder, as balena uses.
 * The context is streamed (read once, as the engine takes it); a file that cannot be read fails the build.
 */
async function buildWithSecrets(
  engine: Docker,
  s: ProjectService,
  run: (prepared: { context: ContextArchive; buildkit: boolean }) => Promise<{ imageId: string; uploadSeconds: number }>,
  onLine: (line: string) => void,
): Promise<{ imageId: string; uploadSeconds: number; contextBytes: number }> {
  const secretsImage = s.secrets.length > 0 ? secretsImageName(s.name) : undefined;
  const dockerfile = engineDockerfile(s.dockerfileText!, { secretsImage });
  const context = await contextOf(s, dockerfile.text);
  if (!secretsImage) return { ...(await run({ context, buildkit: false })), contextBytes: context.approxBytes };
  onLine(`build secrets (${s.secrets.map((x) => x.dest).join(', ')}) mounted at /run/secrets in every RUN of this build only (BuildKit)`);
  const built = await withSecretsImage(engine, secretsImage, s.name, s.secrets, () => run({ context, buildkit: true }));
  return { ...built, contextBytes: context.approxBytes };
}

async function receivedBytes(client: DeviceClient, signal?: AbortSignal): Promise<number | undefined> {
  return (await client.edgepushStats({ signal }).catch(() => undefined))?.receivedBytes;
}

export async function buildServices(o: BuildServicesOptions): Promise<BuiltService[]> {
  const deviceEngine = o.client.engine();
  const wanted = o.project.services.filter((s) => !o.only || o.only.length === 0 || o.only.includes(s.name));
  const out: BuiltService[] = [];
  const platform = platformOf(o.info.arch);
  for (const s of wanted) {
    if (o.signal?.aborted) throw cancelled();
    const tag = imageNameOf(s.name);
    if (!s.contextDir) {
      await tagImageOnly(deviceEngine, s.image!, tag).catch((err: unknown) => {
        throw failedIn('build', err);
      });
      const id = (await imageIdOf(deviceEngine, tag))!;
      // Nothing is sent for an image the device already has; its size is shown for scale.
      out.push({
        name: s.name,
        imageId: id,
        basisImageId: undefined,
        sentBytes: 0,
        transferSeconds: 0,
        figures: noFiguresWithSize(deviceEngine, id),
        reportInputsRead: Promise.resolve(),
      });
      continue;
    }
    const basis = (await imageIdOf(deviceEngine, tag)) ?? (await baseImageOnDevice(deviceEngine, s));
    o.onEvent({ type: 'service', service: s.name, phase: 'building', percent: 0 });
    const onLine = (line: string) => o.onEvent({ type: 'build-output', service: s.name, line });
    if (o.buildOn === 'device') {
      const before = await receivedBytes(o.client, o.signal);
      const cacheFrom = cacheSources(await deviceEngine.listImages().catch(() => []), basis);
      const { imageId, uploadSeconds, contextBytes } = await buildWithSecrets(
        deviceEngine,
        s,
        ({ context, buildkit }) =>
          buildOnEngine(deviceEngine, {
            service: s.name,
            context: context.stream,
            contextBytes: context.approxBytes,
            buildkit,
            tag,
            dockerfile: s.dockerfile!,
            ...composeBuildOptions(s),
            labels: { ...s.compose.build?.labels, ...localImageLabels(s.name) },
            buildArgs: { ...s.buildArgs, ...o.flags?.buildArgs },
            nocache: o.flags?.nocache,
            pull: o.flags?.pull,
            cacheFrom: [...(s.compose.build?.cacheFrom ?? []), ...cacheFrom],
            // no `platform`: the device's engine builds for itself (balena sends it only for multi-arch bases)
            signal: o.signal,
            onLine,
            onUpload: percentEmitter((percent, bytes) =>
              o.onEvent({ type: 'service', service: s.name, phase: 'building', percent, bytes }),
            ),
          }),
        onLine,
      ).catch((err: unknown) => {
        throw failedIn('build', err);
      });
      const after = await receivedBytes(o.client, o.signal);
      const sentBytes = before !== undefined && after !== undefined && after >= before ? after - before : contextBytes;
      o.onEvent({ type: 'service', service: s.name, phase: 'downloaded' });
      const pending = o.skipDeltaReport
        ? { read: Promise.resolve(), figures: noFiguresWithSize(deviceEngine, imageId) }
        : figuresFor(deviceEngine, basis, imageId, o.signal);
      const figures = pending.figures.catch((err: unknown) => ({ ...noFigures(), reportError: messageOf(err) }));
      out.push({
        name: s.name,
        imageId,
        basisImageId: basis,
        sentBytes,
        transferSeconds: uploadSeconds,
        figures,
        reportInputsRead: pending.read,
      });
      continue;
    }
    const local = o.localEngine ?? new Docker();
    const localTag = localBuildTag(o.project, s.name);
    const { imageId } = await buildWithSecrets(
      local,
      s,
      ({ context, buildkit }) =>
        buildOnEngine(local, {
          service: s.name,
          context: context.stream,
          contextBytes: context.approxBytes,
          buildkit,
          tag: localTag,
          dockerfile: s.dockerfile!,
          ...composeBuildOptions(s),
          labels: { ...s.compose.build?.labels, ...localImageLabels(s.name) },
          buildArgs: { ...s.buildArgs, ...o.flags?.buildArgs },
          nocache: o.flags?.nocache,
          pull: o.flags?.pull,
          cacheFrom: s.compose.build?.cacheFrom,
          platform,
          signal: o.signal,
          onLine,
        }),
      onLine,
    ).catch((err: unknown) => {
      throw failedIn('build', err);
    });
    const shipped = await shipToDevice({
      client: o.client,
      local,
      imageId,
      basisImageId: basis,
      // the device built its current image (not here): the FROM image both sides hold is the next best basis
      alternateBasisImageId: await baseImageOnDevice(deviceEngine, s),
      tag,
      service: s.name,
      signal: o.signal,
      onEvent: o.onEvent,
      wantFigures: !o.skipDeltaReport,
      deviceArch: o.info.arch,
    }).catch((err: unknown) => {
      throw failedIn('ship', err);
    });
    o.onEvent({ type: 'service', service: s.name, phase: 'downloaded' });
    out.push({
      name: s.name,
      imageId,
      basisImageId: basis,
      sentBytes: shipped.sentBytes,
      transferSeconds: shipped.seconds,
      method: shipped.method,
      helperBytes: shipped.helperBytes,
      figures: Promise.resolve(shipped.figures),
      reportInputsRead: Promise.resolve(),
    });
  }
  return out;
}

/** The compose `build:` settings the engine takes as build options. */
function composeBuildOptions(s: ProjectService): Pick<EngineBuildOptions, 'target' | 'extraHosts' | 'shmSize'> {
  const b = s.compose.build;
  return { target: b?.target, extraHosts: b?.extraHosts, shmSize: b?.shmSize };
}

/**
 * `cachefrom` for the device build. `balena push` sends every image id (`all=1`), which grows without bound and
 * ends in "431 Request Header Fields Too Large"; the tagged images (their parent chains are searched too) and the
 * service's current image give the same cache hits, capped to keep the query short.
 */
export function cacheSources(images: Array<{ Id: string; RepoTags?: string[] | null }>, basis: string | undefined): string[] {
  const tagged = images.filter((i) => (i.RepoTags ?? []).some((t) => t !== '<none>:<none>')).map((i) => i.Id);
  return [...new Set([...(basis ? [basis] : []), ...tagged])].slice(0, 40);
}

/**
 * On a first push the device has no image for the service yet, but it has the image the Dockerfile starts FROM:
 * that is the fair basis for the report (a layer pull would not send the base layers either).
 */
async function baseImageOnDevice(docker: Docker, s: ProjectService): Promise<string | undefined> {
  const image = baseImageOf(s.dockerfileText!, s.buildArgs, s.compose.build?.target);
  return image ? imageIdOf(docker, image) : undefined;
}

async function noFiguresWithSize(docker: Docker, imageId: string): Promise<ImageFigures> {
  const size =
    (
      await docker
        .getImage(imageId)
        .inspect()
        .catch(() => undefined)
    )?.Size ?? 0;
  return { ...noFigures(), imageBytes: size };
}
