// The dashboard's view of a fleet rollout, reduced from the rollout's events (simulator/fleet/rolloutTypes.ts).
// Pure: no `vscode` import, unit-tested.
import type { RolloutEvent } from '../../simulator/fleet/rolloutTypes.js';
import type { RolloutView } from '../../webview/protocol.js';

export function startRollout(fleet: string, devices: readonly string[], now = Date.now()): RolloutView {
  return { fleet, status: 'running', startedAt: now, waves: [], devices: devices.map((address) => ({ address, state: 'waiting' })) };
}

export function reduceRollout(v: RolloutView, e: RolloutEvent, now = Date.now()): RolloutView {
  switch (e.type) {
    case 'step':
      return { ...v, step: e.message };
    case 'plan':
      return {
        ...v,
        release: e.release,
        gateTimeoutSeconds: e.gateTimeoutSeconds,
        waves: e.waves.map((w) => ({ devices: w.length, state: 'pending' as const })),
      };
    case 'wave':
      return {
        ...v,
        step: `wave ${e.wave + 1}: ${e.state === 'gate' ? 'health gate' : e.state}`,
        waves: v.waves.map((w, i) => (i === e.wave ? { ...w, state: e.state } : w)),
      };
    case 'device':
      return {
        ...v,
        devices: v.devices.map((d) =>
          d.address === e.address ? { address: d.address, state: e.state, ...(e.detail ? { detail: e.detail } : {}) } : d,
        ),
      };
    case 'rollback':
      return { ...v, rollback: { devices: e.devices.length, reason: e.reason } };
    case 'report': {
      const r = e.report;
      const all = r.devices.every((d) => d.state === 'running');
      return {
        ...v,
        release: r.release,
        status: all ? 'succeeded' : r.rolledBack ? 'rolled-back' : 'failed',
        finishedAt: now,
        step: undefined,
        registryEgressBytes: r.registryEgressBytes,
        layerPullBytes: r.layerPullBytes,
        devices: r.devices.map((d) => ({
          address: d.address,
          state:
            d.state === 'running'
              ? 'running'
              : d.state === 'rolled-back'
                ? 'rolled-back'
                : d.state === 'not-updated'
                  ? 'waiting'
                  : 'failed',
          detail: d.state === 'running' ? `${d.method}, ${d.bytesFetched} B, ${d.seconds} s` : d.state,
        })),
        ...(r.stoppedReason && !v.rollback ? { error: r.stoppedReason } : {}),
      };
    }
  }
}

export function failRollout(v: RolloutView, message: string, cancelled: boolean, now = Date.now()): RolloutView {
  return { ...v, status: cancelled ? 'cancelled' : 'failed', error: message, finishedAt: now, step: undefined };
}
