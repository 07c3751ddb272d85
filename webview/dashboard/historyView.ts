// The last pushes as a native-looking table.
import '@vscode-elements/elements/dist/vscode-table/index.js';
import '@vscode-elements/elements/dist/vscode-table-header/index.js';
import '@vscode-elements/elements/dist/vscode-table-header-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-body/index.js';
import '@vscode-elements/elements/dist/vscode-table-row/index.js';
import '@vscode-elements/elements/dist/vscode-table-cell/index.js';
import { h, icon } from '../dom.js';
import { formatBytes, formatClock, formatSeconds } from '../format.js';
import type { PushView } from '../protocol.js';

const columns = ['When', 'Device', 'Release', 'Result', 'Sent', 'Took'];

export function renderHistory(history: readonly PushView[]): HTMLElement | undefined {
  if (history.length === 0) return undefined;
  const head = h('vscode-table-header', { slot: 'header' }, ...columns.map((c) => h('vscode-table-header-cell', {}, c)));
  const rows = history.map((p) => {
    const sent = p.report?.reduce((n, s) => n + s.sentBytes, 0);
    const took = p.finishedAt ? formatSeconds((p.finishedAt - p.startedAt) / 1000) : '…';
    const result = h('span', { class: `result result-${p.status}` }, icon(p.status === 'succeeded' ? 'pass-filled' : p.status === 'running' ? 'loading' : 'error'), p.status);
    return h(
      'vscode-table-row',
      {},
      h('vscode-table-cell', {}, formatClock(p.startedAt).slice(0, 8)),
      h('vscode-table-cell', {}, p.device),
      h('vscode-table-cell', {}, p.release?.slice(0, 12) ?? '—'),
      h('vscode-table-cell', { title: p.error }, result),
      h('vscode-table-cell', {}, sent !== undefined ? formatBytes(sent) : '—'),
      h('vscode-table-cell', {}, took),
    );
  });
  const table = h('vscode-table', { zebra: true, 'bordered-rows': true, compact: true }, head, h('vscode-table-body', { slot: 'body' }, ...rows));
  return h('section', { class: 'card' }, h('h2', {}, icon('history'), h('span', {}, 'Recent pushes')), table);
}
