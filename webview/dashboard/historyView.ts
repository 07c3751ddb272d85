// The last pushes as a plain table styled like VS Code's own tables (keybindings editor).
import { h, icon } from '../dom.js';
import { formatClock, formatSeconds } from '../format.js';
import { formatBytes } from '../../simulator/shared/units.js';
import type { PushView } from '../protocol.js';

const columns = ['When', 'Project', 'Device', 'Release', 'Result', 'Sent', 'Took'];

export function renderHistory(history: readonly PushView[]): HTMLElement | undefined {
  if (history.length === 0) return undefined;
  const head = h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', {}, c))));
  const rows = history.map((p) => {
    const sent = p.report?.reduce((n, s) => n + s.sentBytes, 0);
    const took = p.finishedAt ? formatSeconds((p.finishedAt - p.startedAt) / 1000) : '…';
    const result = h(
      'span',
      { class: `result result-${p.status}` },
      icon(p.status === 'succeeded' ? 'pass-filled' : p.status === 'running' ? 'loading' : 'error'),
      p.status,
    );
    return h(
      'tr',
      {},
      h('td', {}, formatClock(p.startedAt).slice(0, 8)),
      h('td', {}, p.project),
      h('td', {}, p.device),
      h('td', {}, p.release?.slice(0, 12) ?? '—'),
      h('td', { title: p.error }, result),
      h('td', {}, sent !== undefined ? formatBytes(sent) : '—'),
      h('td', {}, took),
    );
  });
  const table = h('table', { class: 'history' }, head, h('tbody', {}, ...rows));
  return h(
    'section',
    { class: 'card' },
    h('h2', {}, icon('history'), h('span', {}, 'Recent pushes')),
    h('div', { class: 'table-scroll' }, table),
  );
}
