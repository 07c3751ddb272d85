// The rollout as pure decisions: which devices each wave updates, which of them get a fault, and the steps of
// a rollout as plain data, in the order the executor (rollout.ts) runs them. Tests assert these directly.
import { invalidInput } from '../shared/errors.js';

/** One wave's cumulative size: a device count or a share of the fleet. */
export type WaveSize = { count: number } | { percent: number };

export const DEFAULT_WAVES = '1,10%,50%,100%';

/** `1,10%,50%,100%` → sizes; each is cumulative (the fleet updated so far after that wave). */
export function parseWaves(spec: string): WaveSize[] {
  const parts = spec.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => p === '')) throw invalidInput(`--waves '${spec}': expected sizes like 1,10%,50%,100%`);
  return parts.map((p) => {
    const pct = /^(\d+(?:\.\d+)?)%$/.exec(p);
    if (pct) {
      const percent = Number(pct[1]);
      if (percent <= 0 || percent > 100) throw invalidInput(`--waves: '${p}' is not a share between 0% and 100%`);
      return { percent };
    }
    if (!/^\d+$/.test(p) || Number(p) === 0) throw invalidInput(`--waves: '${p}' is neither a device count nor a share (N or N%)`);
    return { count: Number(p) };
  });
}

/**
 * Splits devices (in fleet order) into waves. Sizes are cumulative and rounded up; a wave that adds nobody is
 * dropped, and whatever the last size leaves out joins a final wave, so every device is in exactly one wave.
 */
export function planWaves<T>(devices: readonly T[], sizes: readonly WaveSize[]): T[][] {
  const waves: T[][] = [];
  let done = 0;
  for (const s of sizes) {
    const upTo = Math.min(devices.length, 'count' in s ? s.count : Math.ceil((s.percent / 100) * devices.length));
    if (upTo > done) {
      waves.push(devices.slice(done, upTo));
      done = upTo;
    }
  }
  if (done < devices.length) waves.push(devices.slice(done));
  return waves;
}

export interface FaultSpec {
  power: number;
  link: number;
}

/** `power=10%,link=5%` → shares in percent. */
export function parseFaults(spec: string | undefined): FaultSpec {
  const out: FaultSpec = { power: 0, link: 0 };
  if (!spec) return out;
  for (const part of spec.split(',')) {
    const m = /^\s*(power|link)\s*=\s*(\d+(?:\.\d+)?)%\s*$/.exec(part);
    if (!m) throw invalidInput(`--faults '${spec}': expected power=P%,link=P%`);
    const v = Number(m[2]);
    if (v > 100) throw invalidInput(`--faults: ${m[1]}=${v}% is over 100%`);
    out[m[1] as keyof FaultSpec] = v;
  }
  return out;
}

export type FaultKind = 'power' | 'link';

/**
 * Which devices get which fault: the share of the fleet rounded to the nearest device (at least one when the
 * share is above zero), spread evenly over the fleet order (so every wave gets its part), power first, then link
 * among the others. Deterministic: a rerun faults the same devices.
 */
export function planFaults<T>(devices: readonly T[], faults: FaultSpec): Map<T, FaultKind> {
  const out = new Map<T, FaultKind>();
  const pick = (share: number, kind: FaultKind) => {
    if (share <= 0) return;
    const free = devices.filter((d) => !out.has(d));
    const n = Math.min(free.length, Math.max(1, Math.round((share / 100) * devices.length)));
    for (let i = 0; i < n; i++) out.set(free[Math.floor(((i + 0.5) * free.length) / n)]!, kind);
  };
  pick(faults.power, 'power');
  pick(faults.link, 'link');
  return out;
}

export type RolloutStep =
  | { action: 'build' }
  | { action: 'pushRelease' }
  | { action: 'publishDeltas'; bases: string[] }
  | { action: 'updateWave'; wave: number; devices: string[]; faults: { device: string; kind: FaultKind }[] }
  | { action: 'gate'; wave: number; devices: string[] }
  | { action: 'finish' };

export interface RolloutPlanInput {
  /** Device addresses in fleet order. */
  devices: string[];
  waves: WaveSize[];
  faults: FaultSpec;
  /** Distinct image ids the fleet's devices run now (deltas are made from these only). */
  bases: string[];
}

export function planRollout(input: RolloutPlanInput): RolloutStep[] {
  const faults = planFaults(input.devices, input.faults);
  const steps: RolloutStep[] = [{ action: 'build' }, { action: 'pushRelease' }];
  if (input.bases.length > 0) steps.push({ action: 'publishDeltas', bases: [...input.bases].sort() });
  planWaves(input.devices, input.waves).forEach((devices, wave) => {
    const f = devices.filter((d) => faults.has(d)).map((device) => ({ device, kind: faults.get(device)! }));
    steps.push({ action: 'updateWave', wave, devices, faults: f }, { action: 'gate', wave, devices });
  });
  steps.push({ action: 'finish' });
  return steps;
}

/** Service name → health state (as serviceHealth.ts words it) and the image id its container runs, for one device. */
export type DeviceHealth =
  | { reachable: false }
  | {
      reachable: true;
      release: string | null;
      applied: boolean;
      services: Record<string, string>;
      images: Record<string, string | undefined>;
    };

/** Running, and healthy where the service has a healthcheck (not restarting, not unhealthy, not still starting). */
export const isServiceHealthy = (state: string | undefined): boolean => state === 'Running' || state === 'Running (healthy)';

/**
 * A device passes the gate when it runs `release`, applied, with every service Running and healthy, and (when
 * `images` is given) each service's container running exactly that image: the supervisor's word alone could be
 * about a container that is on its way out.
 */
export function isHealthy(h: DeviceHealth, release: string, services: readonly string[], images?: ReadonlyMap<string, string>): boolean {
  return (
    h.reachable &&
    h.release === release &&
    h.applied &&
    services.every((s) => isServiceHealthy(h.services[s]) && (!images?.has(s) || h.images[s] === images.get(s)))
  );
}

/** The gate over a wave: pass when every device is healthy; fail once the deadline passed; else wait. */
export function gateVerdict(
  healthy: ReadonlyMap<string, boolean>,
  devices: readonly string[],
  now: number,
  deadline: number,
): 'pass' | 'fail' | 'wait' {
  if (devices.every((d) => healthy.get(d) === true)) return 'pass';
  return now >= deadline ? 'fail' : 'wait';
}
