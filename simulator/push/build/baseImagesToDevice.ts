// The `edgepush-base/*` images a project's Dockerfiles start FROM exist on no registry: a device whose engine
// lacks one (a fresh QEMU board, a real balenaOS device) cannot build the project ("no such host" from Docker
// Hub). Before a device build, each one the device is missing is shipped from this machine's engine (`docker
// save` streamed into the device's `POST /images/load`), made here first when this machine lacks it too (by the
// caller's `makeBaseImage`: `edgepush base-images`, device/baseImages.ts). The plan is plain data; its cost is
// reported as push steps.
import type Docker from 'dockerode';
import { EdgePushError, messageOf } from '../../shared/errors.js';
import { expandVars, parseDockerfile } from '../project/dockerfileParse.js';
import type { ProjectService } from '../project/loadProject.js';
import type { MakeBaseImage, PushEvent } from '../types.js';
import { imageIdOf } from './engineBuild.js';
import { shipImageFull } from './shipImage.js';
import { withTag } from '../../shared/imageRef.js';

export const basePrefix = 'edgepush-base/';

/** Every image the Dockerfile's stages start FROM (not earlier stages), with global ARGs expanded. */
export function fromImagesOf(text: string, buildArgs: Readonly<Record<string, string>> = {}): string[] {
  const parsed = parseDockerfile(text);
  const vars: Record<string, string> = {};
  for (const a of parsed.globalArgs) {
    const v = buildArgs[a.name] ?? (a.value !== undefined ? expandVars(a.value, vars) : undefined);
    if (v !== undefined) vars[a.name] = v;
  }
  const out: string[] = [];
  for (const stage of parsed.stages) {
    const from = stage.instructions[0];
    if (from?.kind !== 'FROM') continue;
    const image = expandVars(from.image, vars);
    const isStage = parsed.stages.some((s) => s.name === image.toLowerCase() && s.index < stage.index);
    if (!isStage && image && image !== 'scratch' && !image.includes('$')) out.push(image);
  }
  return out;
}

/** The edgepush-base images the services to build name, each once, tagged. */
export function baseImagesNamed(services: readonly Pick<ProjectService, 'dockerfileText' | 'buildArgs'>[]): string[] {
  const names = services.flatMap((s) => (s.dockerfileText ? fromImagesOf(s.dockerfileText, s.buildArgs) : []));
  return [...new Set(names.filter((n) => n.startsWith(basePrefix)).map(withTag))].sort();
}

export type BaseImageStep =
  { kind: 'present'; image: string } | { kind: 'copy'; image: string } | { kind: 'build-here-then-copy'; image: string };

/** What to do for each named image, from what the device and this machine have. */
export function planBaseImages(named: readonly string[], onDevice: ReadonlySet<string>, here: ReadonlySet<string>): BaseImageStep[] {
  return named.map((image) => {
    if (onDevice.has(image)) return { kind: 'present', image };
    if (here.has(image)) return { kind: 'copy', image };
    return { kind: 'build-here-then-copy', image };
  });
}

export interface ShippedBaseImage {
  image: string;
  sentBytes: number;
  seconds: number;
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

async function has(docker: Docker, image: string): Promise<boolean> {
  return (await imageIdOf(docker, image).catch(() => undefined)) !== undefined;
}

/**
 * Ships the base images the services name and the device lacks. Progress and cost go out as `step` events:
 * `edgepush-base/busybox:latest is not on the device: sending it (2.3 MB)`, progress at each quarter, then
 * `... sent 2.3 MB in 1.4 s`. Throws `unavailable` when an image can be neither found nor built here.
 */
export async function shipMissingBaseImages(o: {
  device: Docker;
  local: Docker;
  services: readonly Pick<ProjectService, 'dockerfileText' | 'buildArgs'>[];
  onEvent: (e: PushEvent) => void;
  signal?: AbortSignal;
  makeBaseImage?: MakeBaseImage;
}): Promise<ShippedBaseImage[]> {
  const named = baseImagesNamed(o.services);
  if (named.length === 0) return [];
  const onDevice = new Set<string>();
  const here = new Set<string>();
  for (const n of named) {
    if (await has(o.device, n)) onDevice.add(n);
    else if (await has(o.local, n)) here.add(n);
  }
  const steps = planBaseImages(named, onDevice, here);
  const shipped: ShippedBaseImage[] = [];
  for (const step of steps) {
    if (step.kind === 'present') continue;
    if (step.kind === 'build-here-then-copy') {
      if (!o.makeBaseImage)
        throw new EdgePushError('unavailable', `the device has no ${step.image}, nor has this machine: run \`edgepush base-images\` first`);
      o.onEvent({
        type: 'step',
        message: `${step.image} is on neither the device nor this machine: building it here (edgepush base-images)`,
      });
      try {
        await o.makeBaseImage(o.local, step.image);
      } catch (err) {
        throw new EdgePushError('unavailable', `the device has no ${step.image} and it could not be built here: ${messageOf(err)}`, {
          cause: err,
        });
      }
      if (!(await has(o.local, step.image))) {
        throw new EdgePushError(
          'unavailable',
          `the device has no ${step.image}, and this machine cannot make it (edgepush base-images makes ${named.join(', ')}?)`,
        );
      }
    }
    const size = (await o.local.getImage(step.image).inspect()).Size;
    o.onEvent({ type: 'step', message: `${step.image} is not on the device: sending it (${mb(size)})` });
    let lastQuarter = 0;
    const r = await shipImageFull(o.local, o.device, step.image, step.image, {
      signal: o.signal,
      onProgress: (sent, total) => {
        const quarter = total > 0 ? Math.min(3, Math.floor((sent / total) * 4)) : 0;
        if (quarter > lastQuarter) {
          lastQuarter = quarter;
          o.onEvent({ type: 'step', message: `sending ${step.image}: ${quarter * 25}% (${mb(sent)})` });
        }
      },
    });
    o.onEvent({ type: 'step', message: `sent ${step.image} to the device: ${mb(r.sentBytes)} in ${r.seconds.toFixed(1)} s` });
    shipped.push({ image: step.image, sentBytes: r.sentBytes, seconds: r.seconds });
  }
  return shipped;
}
