// The fleet rollout card: waves and their gate, devices per state (and one square per device), what the
// registry sent against N layer pulls, and the rollback when it happens. Rebuilt on each rollout message.
import { h, icon } from '../dom.js';
import { formatSeconds } from '../format.js';
import { formatBytes } from '../../simulator/shared/units.js';
import type { RolloutView } from '../protocol.js';

type DeviceState = RolloutView['devices'][number]['state'];

const ORDER: DeviceState[] = ['running', 'updating', 'fault', 'waiting', 'rolling-back', 'rolled-back', 'failed'];
const LABEL: Record<DeviceState, string> = {
  waiting: 'waiting',
  updating: 'updating',
  fault: 'fault injected',
  running: 'running the release',
  failed: 'failed',
  'rolling-back': 'rolling back',
  'rolled-back': 'rolled back',
};
const WAVE_ICON: Record<RolloutView['waves'][number]['state'], string> = {
  pending: 'circle-large-outline',
  updating: 'loading',
  gate: 'shield',
  passed: 'pass-filled',
  failed: 'error',
};
const STATUS_ICON: Record<RolloutView['status'], string> = {
  running: 'loading',
  succeeded: 'pass-filled',
  'rolled-back': 'discard',
  failed: 'error',
  cancelled: 'circle-slash',
};

/** Devices per state, in display order, zero counts left out. */
export function rolloutCounts(r: RolloutView): { state: DeviceState; label: string; count: number }[] {
  return ORDER.map((state) => ({ state, label: LABEL[state], count: r.devices.filter((d) => d.state === state).length })).filter(
    (c) => c.count > 0,
  );
}

export function renderRollout(r: RolloutView | undefined): HTMLElement | undefined {
  if (!r) return undefined;
  const elapsed = ((r.finishedAt ?? Date.now()) - r.startedAt) / 1000;
  const head = h(
    'div',
    { class: 'push-head' },
    h(
      'span',
      { class: `pill pill-${r.status === 'succeeded' ? 'succeeded' : r.status === 'running' ? 'running' : 'failed'}` },
      icon(STATUS_ICON[r.status], r.status === 'running' ? 'codicon-modifier-spin' : ''),
      r.status,
    ),
    h('span', { class: 'muted' }, `fleet ${r.fleet}${r.release ? ` → release ${r.release.slice(0, 12)}` : ''}`),
    h('span', { class: 'muted' }, formatSeconds(elapsed)),
  );
  const step = r.status === 'running' && r.step ? h('div', { class: 'step' }, r.step) : undefined;
  const error = r.error ? h('div', { class: 'error' }, icon('error'), h('span', {}, r.error)) : undefined;
  const gate =
    r.gateTimeoutSeconds !== undefined
      ? h(
          'p',
          { class: 'muted small' },
          `Health gate: every device of a wave runs the release, Running and healthy, within ${r.gateTimeoutSeconds} s`,
        )
      : undefined;
  const waves = h(
    'ol',
    { class: 'track rollout-waves', 'data-role': 'waves' },
    ...r.waves.map((w, i) =>
      h(
        'li',
        {
          class: `phase phase-${w.state === 'passed' ? 'done' : w.state === 'failed' ? 'bad' : w.state === 'pending' ? 'pending' : 'current'}`,
          'data-wave-state': w.state,
        },
        icon(WAVE_ICON[w.state], w.state === 'updating' ? 'codicon-modifier-spin' : ''),
        h('span', {}, `wave ${i + 1}: ${w.devices} device${w.devices === 1 ? '' : 's'}${w.state === 'gate' ? ' · gate' : ''}`),
      ),
    ),
  );
  const counts = h(
    'div',
    { class: 'actions rollout-counts', 'data-role': 'counts' },
    ...rolloutCounts(r).map((c) => h('span', { class: `pill rollout-${c.state}` }, `${c.count} ${c.label}`)),
  );
  const grid = h(
    'div',
    { class: 'rollout-grid' },
    ...r.devices.map((d) =>
      h('span', { class: `rollout-cell rollout-${d.state}`, title: `${d.address}: ${LABEL[d.state]}${d.detail ? ` (${d.detail})` : ''}` }),
    ),
  );
  const rollback = r.rollback
    ? h(
        'div',
        { class: 'error', 'data-role': 'rollback' },
        icon('discard'),
        h('span', {}, `Rolled back ${r.rollback.devices} device${r.rollback.devices === 1 ? '' : 's'}: ${r.rollback.reason}`),
      )
    : undefined;
  const bytes =
    r.registryEgressBytes !== undefined && r.layerPullBytes !== undefined
      ? h(
          'p',
          { class: 'small', 'data-role': 'bytes' },
          `Registry sent ${formatBytes(r.registryEgressBytes)} instead of ${formatBytes(r.layerPullBytes)} for ${r.devices.length} layer pulls` +
            (r.layerPullBytes > 0 ? ` (${((r.registryEgressBytes / r.layerPullBytes) * 100).toFixed(1)}%)` : ''),
        )
      : undefined;
  return h(
    'section',
    { class: 'card', 'data-card': 'rollout' },
    h('h2', {}, icon('layers'), h('span', {}, 'Fleet rollout')),
    head,
    step,
    error,
    rollback,
    gate,
    waves,
    counts,
    grid,
    bytes,
  );
}

export const rolloutCss = `
.rollout-waves { margin: 8px 0; }
.rollout-counts { margin-top: 4px; }
.rollout-grid { display: flex; flex-wrap: wrap; gap: 3px; margin: 10px 0 4px; }
.rollout-cell { width: 12px; height: 12px; border-radius: 2px; background: var(--vscode-disabledForeground, #8886); }
.rollout-cell.rollout-running { background: var(--vscode-charts-green); }
.rollout-cell.rollout-updating, .rollout-cell.rollout-rolling-back { background: var(--vscode-charts-blue); }
.rollout-cell.rollout-fault { background: var(--vscode-charts-orange, var(--vscode-charts-yellow)); }
.rollout-cell.rollout-failed { background: var(--vscode-errorForeground); }
.rollout-cell.rollout-rolled-back { background: var(--vscode-charts-yellow); }
.pill.rollout-running { color: var(--vscode-charts-green); border-color: var(--vscode-charts-green); }
.pill.rollout-failed { color: var(--vscode-errorForeground); border-color: var(--vscode-errorForeground); }
.pill.rollout-rolled-back, .pill.rollout-fault { color: var(--vscode-charts-yellow); border-color: var(--vscode-charts-yellow); }
`;
