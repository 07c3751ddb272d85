// Following an update after the target state is posted, until the device has applied it: the EdgePush event
// stream where the device has one (phases with progress as they happen), and `/v2/state/status` polled as the
// source of truth everywhere (a real balenaOS device has only that).
import { cancelled, messageOf } from '../shared/errors.js';
import type { DeviceClient } from './deviceClient.js';
import { PushFailure } from './pushFailure.js';
import { phaseOfServiceState } from './serviceState.js';
import type { StateStatus } from './supervisorSchemas.js';
import type { PushEvent, ServicePhase } from './types.js';

/** EdgePush device event phase → push phase. */
export function phaseOfDeviceEvent(phase: string): ServicePhase | undefined {
  const map: Record<string, ServicePhase> = {
    downloading: 'shipping',
    downloaded: 'downloaded',
    installing: 'installing',
    starting: 'installing',
    'handing-over': 'installing',
    running: 'running',
    exited: 'exited',
    stopped: 'exited',
    failed: 'failed',
  };
  return map[phase];
}

/**
 * True when the status shows this release applied with a container for every service. A device that does not
 * report a release (null) counts once it has been seen applying, or after `graceMs`. A device that reports some
 * other release (a supervisor that updates its commit late) counts once it has stayed applied for `staleMs` after
 * it was seen applying our update.
 */
export function updateSettled(
  s: StateStatus,
  release: string,
  services: readonly string[],
  sawApplying: boolean,
  elapsedMs: number,
  appliedForMs = 0,
  graceMs = 3000,
  staleMs = 5000,
): boolean {
  if (s.appState !== 'applied') return false;
  if (s.release) {
    if (s.release !== release && !(sawApplying && appliedForMs >= staleMs)) return false;
  } else if (!sawApplying && elapsedMs < graceMs) return false;
  return services.every((name) => s.containers.some((c) => c.serviceName === name));
}

export interface FollowUpdateOptions {
  client: DeviceClient;
  release: string;
  services: string[];
  signal?: AbortSignal;
  timeoutMs: number;
  pollMs?: number;
  onEvent: (e: PushEvent) => void;
}

/** Waits `ms`, or less when `wake` is called (an event arrived: look at the status at once). */
function waker(): { wait(ms: number): Promise<void>; wake(): void } {
  let pending: (() => void) | undefined;
  return {
    wait: (ms) =>
      new Promise<void>((resolve) => {
        const t = setTimeout(done, ms);
        function done() {
          clearTimeout(t);
          pending = undefined;
          resolve();
        }
        pending = done;
      }),
    wake: () => pending?.(),
  };
}

export async function followUpdate(o: FollowUpdateOptions): Promise<StateStatus> {
  const lastPhase = new Map<string, ServicePhase>();
  const poll = waker();
  const emit = (service: string, phase: ServicePhase, extra: { percent?: number; bytes?: number; message?: string } = {}) => {
    if (!o.services.includes(service)) return;
    if (lastPhase.get(service) === phase && extra.percent === undefined) return;
    lastPhase.set(service, phase);
    o.onEvent({ type: 'service', service, phase, ...extra });
  };
  const stopEvents = new AbortController();
  const eventsSignal = o.signal ? AbortSignal.any([o.signal, stopEvents.signal]) : stopEvents.signal;
  const eventsDone = o.client
    .subscribeEvents({
      signal: eventsSignal,
      connectTimeoutMs: 3000,
      onEvent: (ev) => {
        if (ev.type !== 'service' || ev.release !== o.release) return;
        const phase = phaseOfDeviceEvent(ev.phase);
        if (phase) emit(ev.serviceName, phase, { percent: ev.progress, bytes: ev.bytesReceived, message: ev.message });
        if (phase === 'running' || phase === 'exited' || phase === 'failed') poll.wake();
      },
    })
    .catch(() => false);
  const started = Date.now();
  let sawApplying = false;
  let appliedSince: number | undefined;
  let lastError = '';
  try {
    for (;;) {
      if (o.signal?.aborted) throw cancelled();
      const elapsed = Date.now() - started;
      if (elapsed > o.timeoutMs) {
        throw new PushFailure(
          'apply',
          'unavailable',
          `the device did not apply release ${o.release} within ${Math.round(o.timeoutMs / 1000)} s${lastError ? ` (${lastError})` : ''}`,
        );
      }
      let s: StateStatus | undefined;
      try {
        s = await o.client.status({ signal: o.signal, timeoutMs: 5000 });
        lastError = '';
      } catch (err) {
        if (o.signal?.aborted) throw cancelled();
        lastError = messageOf(err);
      }
      if (s) {
        if (s.appState !== 'applied') {
          sawApplying = true;
          appliedSince = undefined;
        } else if (sawApplying) appliedSince ??= Date.now();
        const ours = !s.release || s.release === o.release;
        if (ours) {
          for (const c of s.containers) {
            const phase = phaseOfServiceState(c.status);
            if (phase && phase !== 'exited') emit(c.serviceName, phase);
          }
        }
        if (updateSettled(s, o.release, o.services, sawApplying, elapsed, appliedSince === undefined ? 0 : Date.now() - appliedSince)) {
          for (const c of s.containers) {
            const phase = phaseOfServiceState(c.status);
            if (phase) emit(c.serviceName, phase);
          }
          return s;
        }
      }
      await poll.wait(o.pollMs ?? 500);
    }
  } finally {
    stopEvents.abort();
    await eventsDone;
  }
}
