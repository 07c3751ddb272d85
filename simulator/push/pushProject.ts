// `pushProject`: load → build (on the device or locally) → ship → post target state → follow until applied →
// delta report. Emits PushEvents; never prints. See README.md for the contract.
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { cancelled, EdgePushError } from '../shared/errors.js';
import { baseImagesNamed } from '../shared/baseImageNames.js';
import { buildServices, type BuiltService } from './build/buildServices.js';
import { shipMissingBaseImages } from './build/baseImagesToDevice.js';
import { connectDevice } from './connect.js';
import { followUpdate } from './followUpdate.js';
import { checkServiceStates } from './serviceHealth.js';
import { checkServiceNames, loadProject } from './project/loadProject.js';
import { failedIn, PushFailure } from './pushFailure.js';
import { buildTargetState, parseEnvArgs } from './targetState.js';
import { DEFAULT_BUILD_ON, PushReportSchema, type PushOptions, type PushReport, type ServiceReport } from './types.js';
import type { StateStatus } from './supervisorSchemas.js';
import type { ImageFigures } from './build/imageFigures.js';

export function newReleaseHash(): string {
  return randomBytes(16).toString('hex');
}

/** Turns the link rate and sent bytes into seconds; measured seconds when the rate is unknown. */
export function transferSecondsOf(sentBytes: number, linkBitsPerSecond: number | undefined, measuredSeconds: number): number {
  if (linkBitsPerSecond && linkBitsPerSecond > 0) return Math.round(((sentBytes * 8) / linkBitsPerSecond) * 1000) / 1000;
  return Math.round(measuredSeconds * 1000) / 1000;
}

export function serviceStateOf(status: StateStatus | undefined, service: string, checked?: Record<string, string>): string {
  return checked?.[service] ?? status?.containers.find((c) => c.serviceName === service)?.status ?? 'unknown';
}

export type ReportInput = Omit<BuiltService, 'figures' | 'reportInputsRead'> & { figures: ImageFigures };

export function assembleReport(
  device: string,
  release: string,
  built: ReportInput[],
  status: StateStatus | undefined,
  linkBitsPerSecond: number | undefined,
  checked?: Record<string, string>,
): PushReport {
  const services: ServiceReport[] = built.map((b) => ({
    name: b.name,
    imageBytes: b.figures.imageBytes,
    layerPullBytes: b.figures.layerPullBytes,
    librsyncBytes: b.figures.librsyncBytes,
    deltaBytes: b.figures.deltaBytes,
    sentBytes: b.sentBytes,
    transferSeconds: transferSecondsOf(b.sentBytes, linkBitsPerSecond, b.transferSeconds),
    ...(b.method ? { method: b.method } : {}),
    helperBytes: b.helperBytes ?? 0,
    state: serviceStateOf(status, b.name, checked),
  }));
  return PushReportSchema.parse({ device, release, services });
}

export async function pushProject(opts: PushOptions): Promise<PushReport> {
  const emit = opts.onEvent ?? (() => undefined);
  const signal = opts.signal;
  const buildOn = opts.buildOn ?? DEFAULT_BUILD_ON;
  const check = () => {
    if (signal?.aborted) throw cancelled();
  };

  emit({ type: 'step', message: `connecting to ${opts.device}` });
  const conn = await connectDevice(opts.device, signal, undefined, opts.access).catch((err: unknown) => {
    throw failedIn('connect', err);
  });
  const { client, info } = conn;
  check();

  const release = newReleaseHash();
  const project = await loadProject(opts.projectDir, {
    deviceType: info.deviceType,
    arch: info.arch,
    releaseHash: release,
    live: opts.live,
    dockerfile: opts.build?.dockerfile,
  });
  for (const w of project.warnings) emit({ type: 'step', message: `warning: ${w}` });
  checkServiceNames(project, opts.services);
  const env = parseEnvArgs(
    opts.env ?? [],
    project.services.map((s) => s.name),
  );
  emit({ type: 'release', release });

  const current = await client.getTargetState({ signal }).catch((err: unknown) => {
    throw failedIn('connect', err);
  });
  const linkBitsPerSecond = opts.linkBitsPerSecond ?? (await client.linkBitsPerSecond({ signal }).catch(() => undefined));

  if (opts.baseImages) {
    const wanted = [
      ...new Map(
        project.services.flatMap((s) => (s.dockerfileText ? baseImagesNamed(s.dockerfileText, info.arch) : [])).map((b) => [b.name, b]),
      ).values(),
    ];
    if (wanted.length > 0) {
      emit({ type: 'step', message: `base images for ${info.arch}: ${wanted.map((b) => b.name).join(', ')}` });
      await opts
        .baseImages(buildOn === 'device' ? client.engine() : new Docker(), wanted, (line) => emit({ type: 'step', message: line }))
        .catch((err: unknown) => {
          throw failedIn('build', err);
        });
      check();
    }
  }

  if (buildOn === 'device') {
    // the edgepush-base images are on no registry: a device without them (a fresh board) gets them from here
    const toBuild = project.services.filter((s) => !opts.services?.length || opts.services.includes(s.name));
    await shipMissingBaseImages({
      device: client.engine(),
      local: new Docker(),
      services: toBuild,
      onEvent: emit,
      signal,
      makeBaseImage: opts.makeBaseImage,
    }).catch((err: unknown) => {
      throw failedIn('ship', err);
    });
    check();
  }
  emit({ type: 'step', message: buildOn === 'device' ? `building on ${opts.device}` : 'building on this machine' });
  const built = await buildServices({
    client,
    project,
    buildOn,
    only: opts.services,
    info,
    signal,
    skipDeltaReport: opts.skipDeltaReport ?? false,
    flags: opts.build,
    onEvent: emit,
  });
  check();

  // Only delete-then-download removes the old image during the update: read it for the report before posting.
  const deletesOld = new Set(
    project.services.filter((s) => s.compose.labels['io.balena.update.strategy'] === 'delete-then-download').map((s) => s.name),
  );
  await Promise.all(built.filter((b) => deletesOld.has(b.name)).map((b) => b.reportInputsRead));
  emit({ type: 'step', message: 'posting the target state' });
  const target = buildTargetState(current, project, release, env);
  try {
    await client.setTargetState(target, { signal, timeoutMs: 30_000 });
  } catch (err) {
    if (EdgePushError.is(err, 'invalid-input')) throw new PushFailure('apply', 'unavailable', err.message, err);
    throw failedIn('apply', err);
  }

  emit({ type: 'step', message: 'waiting for the device to apply the update' });
  const status = await followUpdate({
    client,
    release,
    services: project.services.map((s) => s.name),
    signal,
    timeoutMs: opts.applyTimeoutMs ?? 120_000,
    onEvent: emit,
  });
  const checks = await checkServiceStates(
    client.engine(),
    status,
    project.services.map((s) => s.name),
    {
      signal,
      onWaiting: (service) => emit({ type: 'step', message: `waiting for the health check of ${service}` }),
    },
  );
  const checked: Record<string, string> = {};
  for (const [service, { state, trouble }] of Object.entries(checks)) {
    checked[service] = state;
    if (trouble) emit({ type: 'service', service, phase: trouble === 'exited' ? 'exited' : 'failed', message: state });
  }
  const figured: ReportInput[] = [];
  for (const b of built) {
    const figures = await b.figures;
    if (figures.reportError) emit({ type: 'step', message: `delta report for ${b.name} unavailable: ${figures.reportError}` });
    figured.push({ ...b, figures });
  }
  const report = assembleReport(opts.device, release, figured, status, linkBitsPerSecond, checked);
  emit({ type: 'report', report });
  return report;
}
