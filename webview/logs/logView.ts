// The live log panel: all services interleaved, each with its colour, stderr marked, system lines and reconnect
// markers, filters in a toolbar. Lines arrive in batches from the host and are drawn once per animation frame;
// the panel keeps at most `capacity` lines, so memory stays flat at any rate.
import '@vscode-elements/elements/dist/vscode-toolbar-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { h, icon } from '../dom.js';
import { formatClock } from '../format.js';
import type { HostChannel } from '../hostChannel.js';
import type { LogEntry, NotificationBody } from '../protocol.js';
import { defaultFilter, matches, servicesIn, type LogFilter } from './logFilter.js';
import { serviceColor } from './serviceColors.js';

export class LogView {
  private entries: LogEntry[] = [];
  private pending: LogEntry[] = [];
  private capacity = 5000;
  private device = '';
  private filter: LogFilter = defaultFilter();
  private readonly known = new Set<string>();
  private frame = 0;
  private follow = true;
  private readonly list: HTMLElement;
  private readonly chips: HTMLElement;
  private readonly count: HTMLElement;

  constructor(root: HTMLElement, private readonly host: HostChannel) {
    this.chips = h('div', { class: 'chips', role: 'group', 'aria-label': 'Services' });
    this.count = h('span', { class: 'count muted' });
    const text = h('vscode-textfield', { placeholder: 'Filter', class: 'filter-text' });
    text.prepend(h('vscode-icon', { slot: 'content-before', name: 'filter' }));
    text.addEventListener('input', () => {
      this.filter = { ...this.filter, text: (text as unknown as { value?: string }).value ?? '' };
      this.rerender();
    });
    const clear = h('vscode-toolbar-button', { icon: 'clear-all', label: 'Clear', title: 'Clear the panel' });
    clear.addEventListener('click', () => void this.host.request({ method: 'clearLogs' }));
    const toolbar = h('div', { class: 'toolbar' }, this.chips, h('div', { class: 'tools' }, text, this.count, clear));
    this.list = h('div', { class: 'lines', role: 'log', 'aria-live': 'off', tabindex: '0' });
    this.list.addEventListener('scroll', () => {
      this.follow = this.list.scrollTop + this.list.clientHeight >= this.list.scrollHeight - 4;
    });
    root.replaceChildren(toolbar, this.list);
  }

  onNotify(body: NotificationBody): void {
    if (body.type === 'logs/init') {
      this.device = body.device;
      this.capacity = body.capacity;
      this.entries = body.entries.slice(-this.capacity);
      this.pending = [];
      this.rerender();
    } else if (body.type === 'logs/append') {
      this.pending.push(...body.entries);
      if (this.pending.length > this.capacity) this.pending = this.pending.slice(-this.capacity);
      if (!this.frame) this.frame = requestAnimationFrame(() => this.drawPending());
    } else if (body.type === 'logs/clear') {
      this.entries = [];
      this.pending = [];
      this.rerender();
    }
  }

  private drawPending(): void {
    this.frame = 0;
    const batch = this.pending;
    this.pending = [];
    this.entries.push(...batch);
    const over = this.entries.length - this.capacity;
    if (over > 0) this.entries.splice(0, over);
    const minSeq = this.entries[0]?.seq ?? 0;
    const frag = document.createDocumentFragment();
    for (const e of batch) if (e.seq >= minSeq && matches(e, this.filter)) frag.append(this.row(e));
    this.list.append(frag);
    while (this.list.firstElementChild && Number((this.list.firstElementChild as HTMLElement).dataset.seq) < minSeq) this.list.firstElementChild.remove();
    this.afterDraw(batch);
  }

  private rerender(): void {
    const frag = document.createDocumentFragment();
    for (const e of this.entries) if (matches(e, this.filter)) frag.append(this.row(e));
    this.list.replaceChildren(frag);
    this.afterDraw(this.entries);
  }

  private afterDraw(added: readonly LogEntry[]): void {
    this.list.setAttribute('aria-label', `Logs of ${this.device}`);
    const before = this.known.size;
    for (const s of servicesIn(added)) this.known.add(s);
    if (this.known.size !== before || this.chips.childElementCount === 0) this.renderChips();
    this.count.textContent = `${this.list.childElementCount} of ${this.entries.length} lines`;
    if (this.follow) this.list.scrollTop = this.list.scrollHeight;
  }

  private renderChips(): void {
    const chip = (label: string, on: boolean, toggle: () => void, color?: string, iconName?: string) => {
      const b = h('button', { class: 'chip', 'aria-pressed': on ? 'true' : 'false', title: `${on ? 'Hide' : 'Show'} ${label}` });
      if (color) {
        const dot = h('span', { class: 'dot' });
        dot.style.background = color;
        b.append(dot);
      }
      if (iconName) b.append(icon(iconName));
      b.append(label);
      b.addEventListener('click', () => {
        toggle();
        this.renderChips();
        this.rerender();
      });
      return b;
    };
    const services = servicesIn([], this.known);
    const hidden = this.filter.hiddenServices;
    this.chips.replaceChildren(
      ...services.map((s) =>
        chip(s, !hidden.has(s), () => {
          const next = new Set(hidden);
          if (next.has(s)) next.delete(s);
          else next.add(s);
          this.filter = { ...this.filter, hiddenServices: next };
        }, serviceColor(s)),
      ),
      chip('system', this.filter.showSystem, () => (this.filter = { ...this.filter, showSystem: !this.filter.showSystem }), undefined, 'gear'),
      chip('stderr only', this.filter.stderrOnly, () => (this.filter = { ...this.filter, stderrOnly: !this.filter.stderrOnly }), undefined, 'warning'),
    );
  }

  private row(e: LogEntry): HTMLElement {
    if (e.kind === 'reconnect') {
      return h('div', { class: 'line reconnect', 'data-seq': String(e.seq) }, icon('debug-disconnect'), h('span', {}, `Reconnected at ${formatClock(e.timestamp)}: ${e.message}`));
    }
    const tag = h('span', { class: 'svc' }, e.kind === 'system' ? 'system' : (e.service ?? ''));
    if (e.service) tag.style.color = serviceColor(e.service);
    return h(
      'div',
      { class: `line ${e.kind}${e.stderr ? ' stderr' : ''}`, 'data-seq': String(e.seq), 'data-service': e.service },
      h('span', { class: 'ts' }, formatClock(e.timestamp)),
      tag,
      e.stderr ? h('span', { class: 'err-mark', title: 'stderr' }, 'err') : undefined,
      h('span', { class: 'msg' }, e.message),
    );
  }
}
