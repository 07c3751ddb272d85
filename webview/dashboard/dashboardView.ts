// Renders the dashboard from the host's DashboardState: the target device, the live timeline of the current
// push, the delta report as bars, and the last pushes. The whole view is rebuilt on each state (it is small).
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import { h, icon } from '../dom.js';
import { formatClock, formatRate, formatSeconds } from '../format.js';
import { formatBytes } from '../../simulator/shared/units.js';
import type { HostChannel } from '../hostChannel.js';
import type { DashboardState, DeviceView, PushView, RolloutView } from '../protocol.js';
import { renderRollout } from './rolloutView.js';
import { deltaBars, savingText } from './deltaBars.js';
import { renderHistory } from './historyView.js';
import { timelineSteps, type PhaseStep } from './timeline.js';

export function renderDashboard(root: HTMLElement, state: DashboardState, host: HostChannel, rollout?: RolloutView): void {
  const children = [
    renderRollout(rollout),
    renderTarget(state, host),
    renderCurrent(state.current),
    renderReport(state.current ?? state.history[0]),
    renderHistory(state.history),
  ];
  root.replaceChildren(...children.filter((c): c is HTMLElement => c !== undefined));
}

function button(label: string, iconName: string, onClick: () => void, secondary = true): HTMLElement {
  const b = h('vscode-button', { icon: iconName, secondary, title: label }, label);
  b.addEventListener('click', onClick);
  return b;
}

function section(title: string, iconName: string, ...body: (HTMLElement | undefined)[]): HTMLElement {
  return h('section', { class: 'card' }, h('h2', {}, icon(iconName), h('span', {}, title)), ...body);
}

function fact(label: string, value: string | undefined): HTMLElement | undefined {
  if (!value) return undefined;
  return h('div', { class: 'fact' }, h('span', { class: 'fact-label' }, label), h('span', { class: 'fact-value' }, value));
}

function onlineBadge(d: DeviceView): HTMLElement {
  const state = d.online === undefined ? 'connecting' : d.online ? 'online' : 'offline';
  return h('span', { class: `pill pill-${state}` }, icon(d.online ? 'circle-filled' : 'circle-outline'), state);
}

function renderTarget(state: DashboardState, host: HostChannel): HTMLElement {
  const d = state.target;
  const actions = h(
    'div',
    { class: 'actions' },
    button('Push', 'cloud-upload', () => void host.request({ method: 'push' }), false),
    button('Logs', 'output', () => void host.request({ method: 'showLogs' })),
    button(
      state.livepush ? 'Livepush on' : 'Livepush off',
      state.livepush ? 'sync' : 'sync-ignored',
      () => void host.request({ method: 'toggleLivepush' }),
    ),
  );
  if (!d) {
    return section('Device', 'vm', h('p', { class: 'muted' }, 'No target yet. Push to a device, or start a simulated one.'), actions);
  }
  const facts = h(
    'div',
    { class: 'facts' },
    fact('Address', d.address),
    fact('Device type', d.deviceType),
    fact('Architecture', d.arch),
    fact('Supervisor', d.supervisorVersion),
    fact('Release', d.release?.slice(0, 12)),
    fact('Link rate', d.linkRate || (d.source === 'simulated' ? 'unthrottled' : undefined)),
    fact('Services', d.services.map((s) => `${s.name} (${s.status})`).join(', ') || undefined),
  );
  const title = h('div', { class: 'device-title' }, h('span', { class: 'device-name' }, d.name), onlineBadge(d));
  return section('Device', 'vm', title, facts, actions);
}

const statusIcon: Record<PushView['status'], string> = {
  running: 'loading',
  succeeded: 'pass-filled',
  failed: 'error',
  cancelled: 'circle-slash',
};

function renderCurrent(p: PushView | undefined): HTMLElement | undefined {
  if (!p) return undefined;
  const elapsed = ((p.finishedAt ?? Date.now()) - p.startedAt) / 1000;
  const head = h(
    'div',
    { class: 'push-head' },
    h(
      'span',
      { class: `pill pill-${p.status}` },
      icon(statusIcon[p.status], p.status === 'running' ? 'codicon-modifier-spin' : ''),
      p.status,
    ),
    h('span', { class: 'muted' }, `${p.project} → ${p.device}`),
    p.release ? h('span', { class: 'muted' }, `release ${p.release.slice(0, 12)}`) : undefined,
    h('span', { class: 'muted' }, formatSeconds(elapsed)),
  );
  const step = p.status === 'running' && p.step ? h('div', { class: 'step' }, p.step) : undefined;
  const error = p.error ? h('div', { class: 'error' }, icon('error'), h('span', {}, p.error)) : undefined;
  const rows = p.services.map((s) => {
    const steps = timelineSteps(s, p.status === 'running');
    const track = h(
      'ol',
      { class: 'track' },
      ...steps.map((st) =>
        h(
          'li',
          {
            class: `phase phase-${st.state}`,
            title: st.atMs !== undefined ? `${st.label} at +${formatSeconds(st.atMs / 1000)}` : st.label,
          },
          icon(
            st.state === 'done'
              ? 'pass-filled'
              : st.state === 'current'
                ? 'loading'
                : st.state === 'bad'
                  ? 'error'
                  : 'circle-large-outline',
            st.state === 'current' ? 'codicon-modifier-spin' : '',
          ),
          h('span', {}, stepLabel(st)),
        ),
      ),
    );
    const current = steps.find((st) => st.state === 'current');
    const bar = current?.percent !== undefined ? h('vscode-progress-bar', { value: String(current.percent), max: '100' }) : undefined;
    return h(
      'div',
      { class: 'service-row', 'data-service': s.name, 'data-phase': s.phase },
      h('div', { class: 'service-name' }, icon('package'), s.name),
      track,
      bar,
    );
  });
  const empty = rows.length === 0 ? h('p', { class: 'muted' }, 'Preparing…') : undefined;
  return section('Update', 'pulse', head, step, error, empty, ...rows);
}

/** `Shipping 40% · 1.20 MB` for the current step, its plain label otherwise. */
function stepLabel(st: PhaseStep): string {
  const parts = [st.label];
  if (st.percent !== undefined) parts.push(`${Math.round(st.percent)}%`);
  return st.bytes !== undefined ? `${parts.join(' ')} \u00b7 ${formatBytes(st.bytes)}` : parts.join(' ');
}

function renderReport(p: PushView | undefined): HTMLElement | undefined {
  if (!p?.report || p.report.length === 0) return undefined;
  const rate = p.linkBitsPerSecond;
  const services = deltaBars(p.report, p.linkBitsPerSecond).map((sb) =>
    h(
      'div',
      { class: 'report-service', 'data-service': sb.service },
      h(
        'div',
        { class: 'report-head' },
        h('span', { class: 'service-name' }, icon('package'), sb.service),
        sb.savingFactor
          ? h('vscode-badge', { variant: 'counter', title: 'EdgePush delta vs. layer pull' }, savingText(sb.savingFactor))
          : undefined,
        h('span', { class: 'muted' }, `sent ${formatBytes(sb.sentBytes)} in ${formatSeconds(sb.transferSeconds)}`),
        sb.method ? h('span', { class: 'muted', 'data-method': sb.method }, sb.method) : undefined,
        sb.helperBytes > 0
          ? h('span', { class: 'muted', 'data-helper-bytes': String(sb.helperBytes) }, `+ ${formatBytes(sb.helperBytes)} helper (once)`)
          : undefined,
      ),
      ...sb.bars.map((b) =>
        h(
          'div',
          { class: `bar-row${b.highlight ? ' highlight' : ''}`, 'data-bar': b.key, 'data-bytes': String(b.bytes) },
          h('span', { class: 'bar-label' }, b.label),
          h('span', { class: 'bar-track' }, barFill(b.widthPercent)),
          h('span', { class: 'bar-figure' }, formatBytes(b.bytes)),
          h('span', { class: 'bar-time muted' }, b.seconds !== undefined ? formatSeconds(b.seconds) : ''),
        ),
      ),
    ),
  );
  const note = h(
    'p',
    { class: 'muted small' },
    rate
      ? `Times at the device's link rate, ${formatRate(rate)}.`
      : 'The link to this device is not rate-limited, so no times per figure (a simulated device takes edgepush.simulator.linkRate).',
    ` Report of ${formatClock(p.startedAt).slice(0, 8)}.`,
  );
  return section('Delta report', 'graph', ...services, note);
}

function barFill(widthPercent: number): HTMLElement {
  const fill = h('span', { class: 'bar-fill' });
  fill.style.width = `${widthPercent}%`;
  return fill;
}
