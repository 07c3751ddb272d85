// Carries out planner steps with dockerode, one executor per action, and says what happens in system log
// lines (worded like the balena supervisor's) and update events.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import type { Step, StepAction, CurrentContainer } from './planner.js';
import type { DeviceScope } from './scope.js';
import type { LogHub } from './logHub.js';
import type { DeviceStateWriter } from './deviceState.js';
import type { TargetService } from './targetState.js';
import { containerSpec, type DeviceEnv } from './containerSpec.js';
import { DEVICE_LABEL } from './scope.js';
import { isNotFound } from './currentState.js';
import { isRegistryRef } from '../registry/reference.js';
import { EdgePushError, messageOf } from '../shared/errors.js';

export interface ExecContext {
  docker: Docker;
  scope: DeviceScope;
  env: DeviceEnv;
  hub: LogHub;
  /** Update events go to the read model (and from there to /v2/edgepush/events). */
  events: Pick<DeviceStateWriter, 'emit'>;
  /** Transient per-service status shown by /v2/state/status (Installing, Stopping, Handing over...). */
  setTransient(appId: number, service: string, status: string | undefined): void;
  follow(containerId: string): void;
  /** The device stopped this container itself (it may be started again) or no longer tracks it. */
  markStartable(containerId: string, startable: boolean): void;
  /** Called when an image cannot be found; returns false when it was already reported for this target. */
  reportMissing(service: TargetService): boolean;
  release(appId: number): string;
  /** The device is shutting down: long waits (hand-over) end early. */
  stopping(): boolean;
  /** The image id the current target runs for an image name (pinned per target), null while missing. */
  imageIdFor(name: string): Promise<string | null>;
  /** Pulls a registry reference into the device (registryPull.ts); absent: images only arrive by build or delta. */
  pull?(image: string, onProgress: (bytes: number, total: number | null) => void): Promise<void>;
}

const short = (id: string) => id.replace(/^sha256:/, 'sha256:').slice(0, 19);
const label = (name: string, imageId: string) => `'${name} ${short(imageId)}'`;

async function kill(ctx: ExecContext, c: CurrentContainer, removeImage: boolean): Promise<void> {
  const ev = { type: 'service' as const, appId: c.appId, serviceName: c.serviceName, release: c.commit, containerId: c.id };
  ctx.setTransient(c.appId, c.serviceName, 'Stopping');
  ctx.events.emit({ ...ev, phase: 'stopping' });
  ctx.hub.system(`Killing service ${label(c.serviceName, c.dockerImageId)}`);
  const container = ctx.docker.getContainer(c.id);
  try {
    if (c.state === 'running' || c.state === 'restarting' || c.state === 'paused') await container.stop({ t: 10 }).catch(ignore304);
    await container.remove({ v: false, force: true });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  } finally {
    ctx.setTransient(c.appId, c.serviceName, undefined);
  }
  ctx.markStartable(c.id, false);
  ctx.hub.system(`Killed service ${label(c.serviceName, c.dockerImageId)}`);
  ctx.events.emit({ ...ev, phase: 'removed' });
  if (removeImage && c.dockerImageId) await removeOwnImage(ctx, c.dockerImageId);
}

/**
 * delete-then-download removes the old image, but a device only removes what it made: its own tags go, and the
 * image itself only when it then carries no other name and the device's label. An image someone else made or
 * still names (a base image, a tag of another project) stays.
 */
async function removeOwnImage(ctx: ExecContext, imageId: string): Promise<void> {
  let info: { RepoTags?: string[] | null; Config?: { Labels?: Record<string, string> | null } };
  try {
    info = (await ctx.docker.getImage(imageId).inspect()) as typeof info;
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
  const tags = (info.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
  const mine = tags.filter((t) => ctx.scope.isScopedLocal(t));
  const labelled = info.Config?.Labels?.[DEVICE_LABEL] === ctx.scope.id;
  if (mine.length === 0 && !labelled) {
    ctx.hub.system(`Keeping image '${short(imageId)}': this device did not create it`);
    return;
  }
  ctx.hub.system(`Deleting image '${short(imageId)}'`);
  try {
    for (const t of mine) await ctx.docker.getImage(t).remove({ noprune: false });
    if (labelled && mine.length === tags.length)
      await ctx.docker
        .getImage(imageId)
        .remove()
        .catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)));
    ctx.hub.system(
      mine.length === tags.length
        ? `Deleted image '${short(imageId)}'`
        : `Deleted this device's tags of image '${short(imageId)}' (others still name it)`,
    );
  } catch (err) {
    ctx.hub.system(`Could not delete image '${short(imageId)}': ${messageOf(err)}`);
  }
}

function ignore304(err: unknown): void {
  if ((err as { statusCode?: number }).statusCode !== 304) throw err;
}

async function start(ctx: ExecContext, s: TargetService, dockerImageId: string, peers: Record<string, string>): Promise<string> {
  const spec = containerSpec(s, dockerImageId, ctx.scope, ctx.env, peers);
  const ev = { type: 'service' as const, appId: s.appId, serviceName: s.serviceName, release: s.commit };
  ctx.setTransient(s.appId, s.serviceName, 'Installing');
  ctx.events.emit({ ...ev, phase: 'installing' });
  ctx.hub.system(`Installing service ${label(s.serviceName, dockerImageId)}`);
  for (const r of spec.refused)
    ctx.hub.system(`Service '${s.serviceName}' asks for ${r}: not granted on a simulated device (edgepush device --allow-privileged)`);
  try {
    // A leftover with the same name (crash between create and label bookkeeping) is replaced.
    await ctx.docker
      .getContainer(spec.name)
      .remove({ force: true })
      .catch(() => undefined);
    const container = await ctx.docker.createContainer({ name: spec.name, ...spec.body });
    ctx.hub.system(`Installed service ${label(s.serviceName, dockerImageId)}`);
    if (!s.running) {
      ctx.events.emit({ ...ev, phase: 'stopped', containerId: container.id });
      return container.id;
    }
    ctx.setTransient(s.appId, s.serviceName, 'Starting');
    ctx.events.emit({ ...ev, phase: 'starting', containerId: container.id });
    ctx.hub.system(`Starting service ${label(s.serviceName, dockerImageId)}`);
    ctx.follow(container.id);
    try {
      await container.start();
    } catch (err) {
      ctx.events.emit({ ...ev, phase: 'failed', containerId: container.id, message: messageOf(err) });
      throw new EdgePushError('conflict', `Failed to start service '${s.serviceName}': ${messageOf(err)}`, { cause: err });
    }
    ctx.hub.system(`Started service ${label(s.serviceName, dockerImageId)}`);
    ctx.events.emit({ ...ev, phase: 'running', containerId: container.id });
    return container.id;
  } finally {
    ctx.setTransient(s.appId, s.serviceName, undefined);
  }
}

async function handover(
  ctx: ExecContext,
  s: TargetService,
  dockerImageId: string,
  old: CurrentContainer[],
  peers: Record<string, string>,
): Promise<void> {
  const marker = join(ctx.env.lockDir(s.appId, s.serviceName), 'handover-complete');
  rmSync(marker, { force: true });
  await start(ctx, s, dockerImageId, peers);
  ctx.hub.system(`Handing over service ${label(s.serviceName, dockerImageId)} (waiting up to ${s.handoverTimeoutMs} ms)`);
  ctx.setTransient(s.appId, s.serviceName, 'Handing over');
  ctx.events.emit({ type: 'service', appId: s.appId, serviceName: s.serviceName, release: s.commit, phase: 'handing-over' });
  const deadline = Date.now() + s.handoverTimeoutMs;
  while (Date.now() < deadline && !existsSync(marker) && !ctx.stopping()) await new Promise((r) => setTimeout(r, 200));
  if (ctx.stopping() && !existsSync(marker)) return; // resumed after the next start: both containers are still there
  ctx.hub.system(
    existsSync(marker)
      ? `Handover complete for '${s.serviceName}'`
      : `Handover timed out for '${s.serviceName}', killing the old container`,
  );
  ctx.setTransient(s.appId, s.serviceName, undefined);
  for (const c of old) await kill(ctx, c, false);
  rmSync(marker, { force: true });
  ctx.events.emit({ type: 'service', appId: s.appId, serviceName: s.serviceName, release: s.commit, phase: 'running' });
}

/** A registry image the device lacks: pulled (delta first), with download progress in the service's events. */
async function pullStep(ctx: ExecContext, s: TargetService): Promise<boolean> {
  const ev = { type: 'service' as const, appId: s.appId, serviceName: s.serviceName, release: s.commit };
  ctx.setTransient(s.appId, s.serviceName, 'Downloading');
  ctx.events.emit({ ...ev, phase: 'downloading', progress: 0, bytesReceived: 0 });
  ctx.hub.system(`Downloading image '${s.image}'`);
  try {
    await ctx.pull!(s.image, (bytes, total) =>
      ctx.events.emit({
        ...ev,
        phase: 'downloading',
        bytesReceived: bytes,
        ...(total ? { progress: Math.min(100, Math.floor((bytes / total) * 100)) } : {}),
      }),
    );
    ctx.hub.system(`Downloaded image '${s.image}'`);
    ctx.events.emit({ ...ev, phase: 'downloaded' });
    return true;
  } catch (err) {
    const message = messageOf(err);
    ctx.hub.system(`Failed to download image '${s.image}': ${message}`);
    ctx.events.emit({ ...ev, phase: 'failed', message });
    return false;
  } finally {
    ctx.setTransient(s.appId, s.serviceName, undefined);
  }
}

type StepOf<A extends StepAction> = Extract<Step, { action: A }>;
/** Carries out one kind of step; false when it could not make progress (image missing, updates locked). */
type Executor<A extends StepAction> = (ctx: ExecContext, step: StepOf<A>) => Promise<boolean>;

/** One executor per step action: updates and service actions alike run through this map. */
const executors: { [A in StepAction]: Executor<A> } = {
  async createNetwork(ctx, step) {
    await ctx.docker.createNetwork({
      Name: step.dockerName,
      Driver: 'bridge',
      Labels: { ...ctx.scope.labels, 'io.balena.app-id': String(step.appId) },
    });
    ctx.hub.system(`Creating network '${step.name}'`);
    return true;
  },
  async createVolume(ctx, step) {
    await ctx.docker.createVolume({ Name: step.dockerName, Labels: { ...ctx.scope.labels, 'io.balena.app-id': String(step.appId) } });
    ctx.hub.system(`Creating volume '${step.name}'`);
    return true;
  },
  async removeNetwork(ctx, step) {
    await ctx.docker
      .getNetwork(step.dockerName)
      .remove()
      .catch(() => undefined);
    return true;
  },
  async fetch(ctx, step) {
    const s = step.service;
    const ev = { type: 'service' as const, appId: s.appId, serviceName: s.serviceName, release: s.commit };
    const id = await ctx.imageIdFor(s.image);
    if (id) {
      ctx.events.emit({ ...ev, phase: 'downloaded' });
      return true;
    }
    if (ctx.pull && isRegistryRef(s.image)) return pullStep(ctx, s);
    if (ctx.reportMissing(s)) {
      ctx.hub.system(
        `Failed to download image '${s.image}' for service '${s.serviceName}': image not found on the device (build it through the device engine on port 2375 or send a delta)`,
      );
      ctx.events.emit({ ...ev, phase: 'failed', message: `image '${s.image}' not found` });
    }
    return false;
  },
  async kill(ctx, step) {
    await kill(ctx, step.container, step.removeImage);
    return true;
  },
  async start(ctx, step) {
    await start(ctx, step.service, step.dockerImageId, step.peers);
    return true;
  },
  async startExisting(ctx, step) {
    const c = step.container;
    ctx.hub.system(`Starting service ${label(c.serviceName, c.dockerImageId)}`);
    ctx.follow(c.id);
    await ctx.docker.getContainer(c.id).start().catch(ignore304);
    ctx.markStartable(c.id, false);
    ctx.hub.system(`Started service ${label(c.serviceName, c.dockerImageId)}`);
    ctx.events.emit({
      type: 'service',
      appId: c.appId,
      serviceName: c.serviceName,
      release: c.commit,
      phase: 'running',
      containerId: c.id,
    });
    return true;
  },
  async stop(ctx, step) {
    const c = step.container;
    const ev = { type: 'service' as const, appId: c.appId, serviceName: c.serviceName, release: c.commit, containerId: c.id };
    ctx.hub.system(`Stopping service ${label(c.serviceName, c.dockerImageId)}`);
    ctx.events.emit({ ...ev, phase: 'stopping' });
    await ctx.docker.getContainer(c.id).stop({ t: 10 }).catch(ignore304);
    ctx.markStartable(c.id, false); // stopped on purpose: not started again at the next boot
    ctx.hub.system(`Stopped service ${label(c.serviceName, c.dockerImageId)}`);
    ctx.events.emit({ ...ev, phase: 'stopped' });
    return true;
  },
  async handover(ctx, step) {
    await handover(ctx, step.service, step.dockerImageId, step.old, step.peers);
    return true;
  },
  locked: async () => false,
};

/** Runs one step with its executor; returns false when the step could not make progress (image missing). */
export function execute(ctx: ExecContext, step: Step): Promise<boolean> {
  return (executors[step.action] as Executor<StepAction>)(ctx, step);
}
