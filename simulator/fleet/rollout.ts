// `edgepush fleet push`: runs the planned steps (rolloutPlan.ts) with one executor per action. Build once, push
// the release to the registry, publish deltas from the images the devices run, then wave by wave: post each
// device a target state naming the registry images (each device pulls its own delta), and hold the wave to the
// health gate. A failed gate stops the rollout and rolls every updated device back to the target state it had
// (its previous images are still on it: they are removed only once the whole fleet runs the release).
import Docker from 'dockerode';
import { newReleaseHash } from '../push/pushProject.js';
import { DeviceClient } from '../push/deviceClient.js';
import { buildTargetState, parseEnvArgs } from '../push/targetState.js';
import type { TargetState } from '../push/supervisorSchemas.js';
import type { Project } from '../push/project/loadProject.js';
import { RegistryClient } from '../registry/registryClient.js';
import { isRegistryRef, parseRegistryAddress } from '../registry/reference.js';
import { listRegistries, registryEgress } from '../registry/registryServer.js';
import { cancelled, messageOf } from '../shared/errors.js';
import type { FleetRecord } from './fleetStore.js';
import { powerCycle } from './fleetDevices.js';
import { cutLink, health, pullFigures, snapshot, type DeviceSnapshot } from './deviceObserve.js';
import {
  gateVerdict,
  isHealthy,
  parseFaults,
  parseWaves,
  planRollout,
  DEFAULT_WAVES,
  type RolloutStep,
  type FaultKind,
} from './rolloutPlan.js';
import { buildRelease, layerPullCost, loadFleetProject, publishReleaseDeltas, pushRelease, type ReleaseImage } from './releaseBuild.js';
import { RolloutReportSchema, type RolloutDevice, type RolloutEvent, type RolloutReport } from './rolloutTypes.js';
import type { PublishedDelta } from '../registry/publishDelta.js';
import { ImageSpool, type LocalImage } from '../registry/localImage.js';

export interface RolloutOptions {
  fleet: FleetRecord;
  projectDir: string;
  registry: string;
  waves?: string;
  healthTimeoutSeconds?: number;
  faults?: string;
  /** What the engine may hold while it makes a delta (default: its own, 256 MiB). */
  memoryBudget?: number;
  /** `dist/cli.js`, to start a device again after a power cut. */
  cliPath: string;
  docker?: Docker;
  /** A container must have run this long to count as healthy (default 3 s). */
  stableMs?: number;
  /** Cancel: no further step starts; devices already updated are rolled back. */
  signal?: AbortSignal;
  onEvent?(e: RolloutEvent): void;
}

interface DeviceRun {
  snap: DeviceSnapshot;
  postedAt?: number;
  healthyAt?: number;
  outcome: RolloutDevice['state'];
  fault?: FaultKind;
  pending?: Promise<unknown>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runRollout(o: RolloutOptions): Promise<RolloutReport> {
  const started = performance.now();
  const emit = o.onEvent ?? (() => undefined);
  const docker = o.docker ?? new Docker();
  const client = new RegistryClient(parseRegistryAddress(o.registry));
  const waveSizes = parseWaves(o.waves ?? DEFAULT_WAVES);
  const faults = parseFaults(o.faults);
  const gateMs = (o.healthTimeoutSeconds ?? 60) * 1000;
  const stableMs = o.stableMs ?? 3000;
  // Nothing is posted to any device unless the registry answers.
  await client.ping();
  const ours = (await listRegistries()).find((r) => r.url === client.address.baseUrl);
  const egressFrom = ours ? registryEgress(ours.logPath).offset : 0;

  emit({ type: 'step', message: `reading the ${o.fleet.devices.length} devices of fleet '${o.fleet.name}'` });
  const runs = new Map<string, DeviceRun>();
  for (const s of await Promise.all(o.fleet.devices.map((d) => snapshot(d.address))))
    runs.set(s.address, { snap: s, outcome: s.reachable ? 'not-updated' : 'unreachable' });
  const first = [...runs.values()].find((r) => r.snap.reachable)?.snap;
  const release = newReleaseHash();
  const ctx = {
    projectDir: o.projectDir,
    fleet: o.fleet.name,
    release,
    docker,
    client,
    deviceType: first?.deviceType ?? o.fleet.deviceType,
    arch: first?.arch ?? 'amd64',
    memoryBudget: o.memoryBudget,
  };
  const project: Project = await loadFleetProject(ctx);
  const services = project.services.map((s) => s.name);
  const bases = [
    ...new Set(
      [...runs.values()].flatMap((r) => [...r.snap.images].filter(([svc]) => services.includes(svc)).map(([svc, id]) => `${svc}\n${id}`)),
    ),
  ];
  const steps = planRollout({ devices: o.fleet.devices.map((d) => d.address), waves: waveSizes, faults, bases });
  const waves = steps.filter((s): s is Extract<RolloutStep, { action: 'updateWave' }> => s.action === 'updateWave');
  emit({ type: 'plan', fleet: o.fleet.name, release, waves: waves.map((w) => w.devices), gateTimeoutSeconds: gateMs / 1000 });

  let built = new Map<string, LocalImage>();
  // Large images go to archive files in a folder of the rollout's, removed once the steps end (however).
  let spool: ImageSpool | undefined;
  const withSpool = async () => ({ ...ctx, spool: (spool ??= await ImageSpool.create()) });
  let images: ReleaseImage[] = [];
  let deltas: (PublishedDelta & { service: string })[] = [];
  const waveResults: { devices: string[]; passed: boolean }[] = [];
  let rolledBack = false;
  let stoppedReason: string | undefined;
  const env = parseEnvArgs([], services);

  const targetFor = (r: DeviceRun): TargetState => {
    const t = buildTargetState(r.snap.target ?? { local: { name: r.snap.address, config: {}, apps: {} } }, project, release, env) as {
      local: { apps: Record<string, { services: Record<string, { serviceName: string; image: string }> }> };
    };
    for (const app of Object.values(t.local.apps))
      for (const svc of Object.values(app.services)) svc.image = images.find((i) => i.service === svc.serviceName)!.ref;
    return t as unknown as TargetState;
  };

  const waitHealthy = async (
    addresses: string[],
    wantRelease: (a: string) => string | null,
    wantImages?: (a: string) => ReadonlyMap<string, string>,
  ): Promise<Map<string, boolean>> => {
    const healthy = new Map<string, boolean>();
    const deadline = Date.now() + gateMs;
    for (;;) {
      await Promise.all(
        addresses
          .filter((a) => !healthy.get(a))
          .map(async (a) => {
            const want = wantRelease(a);
            const h = await health(a, want === null ? [] : services, stableMs);
            const ok = want === null ? h.reachable && (h.release === null || h.applied) : isHealthy(h, want, services, wantImages?.(a));
            if (ok) {
              healthy.set(a, true);
              const r = runs.get(a)!;
              r.healthyAt ??= performance.now();
            }
          }),
      );
      const v = gateVerdict(healthy, addresses, Date.now(), deadline);
      if (v !== 'wait' || o.signal?.aborted) return healthy;
      await sleep(500);
    }
  };

  const executors: { [A in RolloutStep['action']]: (s: Extract<RolloutStep, { action: A }>) => Promise<boolean> } = {
    build: async () => {
      emit({ type: 'step', message: `building release ${release.slice(0, 8)} on this machine` });
      built = await buildRelease(await withSpool(), project);
      return true;
    },
    pushRelease: async () => {
      emit({ type: 'step', message: `pushing release ${release.slice(0, 8)} to ${client.address.host}` });
      images = await pushRelease(await withSpool(), built);
      return true;
    },
    publishDeltas: async (s) => {
      emit({ type: 'step', message: `publishing deltas from ${s.bases.length} base image(s) the fleet runs` });
      const list = s.bases.map((b) => ({ service: b.split('\n')[0]!, imageId: b.split('\n')[1]! }));
      deltas = await publishReleaseDeltas(await withSpool(), images, list, (d) =>
        emit({
          type: 'step',
          message: `delta ${d.service} ${d.fromImageId.slice(7, 19)} → ${d.toImageId.slice(7, 19)}: ${d.deltaBytes} B${d.reused ? ' (already in the registry)' : ''}`,
        }),
      );
      return true;
    },
    updateWave: async (s) => {
      emit({ type: 'wave', wave: s.wave, state: 'updating' });
      await Promise.all(
        s.devices.map(async (a, i) => {
          const r = runs.get(a)!;
          r.fault = s.faults.find((f) => f.device === a)?.kind;
          emit({ type: 'device', address: a, state: 'updating' });
          try {
            await new DeviceClient(a).setTargetState(targetFor(r), { timeoutMs: 15_000 });
            r.postedAt = performance.now();
          } catch (err) {
            r.postedAt = performance.now();
            emit({ type: 'device', address: a, state: 'failed', detail: messageOf(err) });
            return;
          }
          if (r.fault) r.pending = injectFault(o, a, r.fault, 150 + ((i * 137) % 600), emit);
        }),
      );
      return true;
    },
    gate: async (s) => {
      emit({ type: 'wave', wave: s.wave, state: 'gate' });
      const releaseImages = new Map(images.map((i) => [i.service, i.archive.imageId]));
      const healthy = await waitHealthy(
        s.devices,
        () => release,
        () => releaseImages,
      );
      await Promise.all(s.devices.map((a) => runs.get(a)!.pending));
      const passed = s.devices.every((a) => healthy.get(a));
      for (const a of s.devices) {
        runs.get(a)!.outcome = healthy.get(a) ? 'running' : 'failed';
        emit({ type: 'device', address: a, state: healthy.get(a) ? 'running' : 'failed' });
      }
      waveResults.push({ devices: s.devices, passed });
      emit({ type: 'wave', wave: s.wave, state: passed ? 'passed' : 'failed' });
      if (passed) return true;
      stoppedReason = `wave ${s.wave + 1}: ${s.devices.filter((a) => !healthy.get(a)).length} of ${s.devices.length} device(s) not Running and healthy within ${gateMs / 1000} s`;
      await rollBack(o, runs, waitHealthy, emit, stoppedReason);
      rolledBack = true;
      return false;
    },
    finish: async () => {
      emit({ type: 'step', message: 'removing the previous releases from the devices' });
      await Promise.all([...runs.entries()].map(([a, r]) => removeOldImages(a, r.snap, images)));
      return true;
    },
  };

  try {
    for (const step of steps) {
      if (o.signal?.aborted) throw cancelled('rollout cancelled');
      const go = await (executors[step.action] as (s: RolloutStep) => Promise<boolean>)(step);
      if (!go) break;
    }
  } catch (err) {
    stoppedReason = messageOf(err);
    if (runs.size > 0 && [...runs.values()].some((r) => r.postedAt !== undefined) && !rolledBack) {
      await rollBack(o, runs, waitHealthy, emit, stoppedReason);
      rolledBack = true;
    } else throw err;
  } finally {
    await spool?.dispose();
  }

  const refs = images.map((i) => i.ref);
  const devices: RolloutDevice[] = await Promise.all(
    o.fleet.devices.map(async ({ address }) => {
      const r = runs.get(address)!;
      const f = r.postedAt !== undefined ? await pullFigures(address, refs) : { bytesFetched: 0, method: 'none' as const };
      const to = r.outcome === 'running' ? release : r.outcome === 'rolled-back' || r.outcome === 'not-updated' ? r.snap.release : null;
      const seconds =
        r.postedAt !== undefined && r.healthyAt !== undefined && r.outcome === 'running'
          ? Math.round((r.healthyAt - r.postedAt) / 10) / 100
          : 0;
      return {
        address,
        from: r.snap.release,
        to,
        state: r.outcome,
        bytesFetched: f.bytesFetched,
        method: f.method,
        seconds,
        ...(r.fault ? { fault: r.fault } : {}),
      };
    }),
  );
  const egressByLog = ours ? registryEgress(ours.logPath, egressFrom).bytes : undefined;
  // The bases' layers as the engine lists them (diff ids): nothing of them is read.
  const baseLayers = new Map<string, { imageId: string; diffIds: string[] } | undefined>();
  const layersOf = async (id: string) => {
    const info = (await docker.getImage(id).inspect()) as { Id: string; RootFS?: { Layers?: string[] } };
    return { imageId: info.Id, diffIds: info.RootFS?.Layers ?? [] };
  };
  let layerPullBytes = 0;
  for (const r of runs.values()) {
    for (const img of images) {
      const baseId = r.snap.images.get(img.service);
      if (baseId && !baseLayers.has(baseId)) baseLayers.set(baseId, await layersOf(baseId).catch(() => undefined));
      layerPullBytes += layerPullCost(img, baseId ? baseLayers.get(baseId) : undefined);
    }
  }
  const report = RolloutReportSchema.parse({
    fleet: o.fleet.name,
    release,
    waves: waveResults,
    devices,
    registryEgressBytes: egressByLog ?? devices.reduce((s, d) => s + d.bytesFetched, 0),
    registryEgressSource: egressByLog !== undefined ? 'registry-log' : 'devices',
    layerPullBytes,
    deltas: deltas.map((d) => ({
      service: d.service,
      fromImageId: d.fromImageId,
      deltaBytes: d.deltaBytes,
      devices: [...runs.values()].filter((r) => r.snap.images.get(d.service) === d.fromImageId).length,
    })),
    rolledBack,
    seconds: Math.round((performance.now() - started) / 10) / 100,
    ...(stoppedReason ? { stoppedReason } : {}),
  });
  emit({ type: 'report', report });
  return report;
}

/** A power cut (kill -9, then started again on its data) or a dropped link, `afterMs` into the update. */
async function injectFault(
  o: RolloutOptions,
  address: string,
  kind: FaultKind,
  afterMs: number,
  emit: (e: RolloutEvent) => void,
): Promise<void> {
  await sleep(afterMs);
  emit({ type: 'device', address, state: 'fault', detail: kind === 'power' ? 'power cut' : 'link down 3 s' });
  try {
    if (kind === 'link') return await cutLink(address, 3000);
    const d = o.fleet.devices.find((x) => x.address === address)!;
    const again = await powerCycle(o.fleet, d, o.cliPath, 500);
    d.pid = again.pid;
  } catch (err) {
    emit({ type: 'device', address, state: 'failed', detail: `fault injection: ${messageOf(err)}` });
  }
}

async function rollBack(
  o: RolloutOptions,
  runs: Map<string, DeviceRun>,
  waitHealthy: (
    a: string[],
    want: (a: string) => string | null,
    images?: (a: string) => ReadonlyMap<string, string>,
  ) => Promise<Map<string, boolean>>,
  emit: (e: RolloutEvent) => void,
  reason: string,
): Promise<void> {
  const updated = [...runs.entries()].filter(([, r]) => r.postedAt !== undefined).map(([a]) => a);
  emit({ type: 'rollback', devices: updated, reason });
  await Promise.all(updated.map((a) => runs.get(a)!.pending));
  await Promise.all(
    updated.map(async (a) => {
      emit({ type: 'device', address: a, state: 'rolling-back' });
      const prev = runs.get(a)!.snap.target ?? { local: { name: a, config: {}, apps: {} } };
      await new DeviceClient(a).setTargetState(prev, { timeoutMs: 15_000 }).catch(() => undefined);
    }),
  );
  const healthy = await waitHealthy(
    updated,
    (a) => runs.get(a)!.snap.release,
    (a) => runs.get(a)!.snap.images,
  );
  for (const a of updated) {
    runs.get(a)!.outcome = healthy.get(a) ? 'rolled-back' : 'failed';
    emit({ type: 'device', address: a, state: healthy.get(a) ? 'rolled-back' : 'failed' });
  }
}

/** Once the fleet runs the release: the images of the release a device ran before go (through its engine). */
async function removeOldImages(address: string, snap: DeviceSnapshot, images: ReleaseImage[]): Promise<void> {
  const apps = (snap.target?.local as { apps?: Record<string, { services?: Record<string, { image?: string }> }> } | undefined)?.apps ?? {};
  const old = Object.values(apps).flatMap((a) => Object.values(a.services ?? {}).map((s) => s.image ?? ''));
  const keep = new Set(images.map((i) => i.ref));
  const engine = new DeviceClient(address).engine();
  for (const ref of old.filter((r) => isRegistryRef(r) && !keep.has(r)))
    await engine
      .getImage(ref)
      .remove()
      .catch(() => undefined);
}
