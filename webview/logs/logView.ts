// The live log panel: all services interleaved, each with its colour, stderr marked, system lines and reconnect
// markers, filters in a toolbar. Lines arrive in batches from the host; the panel keeps at most `capacity` of
// them and draws only the rows in view, once per animation frame, so it stays smooth at any rate.
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-toolbar-button/index.js';
import { h, icon } from '../dom.js';
import { formatClock } from '../format.js';
import type { HostChannel } from '../hostChannel.js';
import type { LogEntry, NotificationBody } from '../protocol.js';
import { defaultFilter, matches, servicesIn, type LogFilter } from './logFilter.js';
import { visibleWindow } from './logWindow.js';
import { serviceColor } from './serviceColors.js';

export const ROW_HEIGHT = 20;

export class LogView {
  private entries: LogEntry[] = [];
  /** The entries that pass the filter, in order. */
  private shown: LogEntry[] = [];
  private capacity = 5000;
  private device = '';
  private filter: LogFilter = defaultFilter();
  private readonly known = new Set<string>();
  private frame = 0;
  private follow = true;
  private readonly list: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly rows: HTMLElement;
  private readonly chips: HTMLElement;
  private readonly count: HTMLElement;

  constructor(
    root: HTMLElement,
    private readonly host: HostChannel,
  ) {
    this.chips = h('div', { class: 'chips', role: 'group', 'aria-label': 'Services' });
    this.count = h('span', { class: 'count muted' });
    const text = h('vscode-textfield', { placeholder: 'Filter', class: 'filter-text' });
    text.prepend(h('vscode-icon', { slot: 'content-before', name: 'filter' }));
    text.addEventListener('input', () => {
      this.filter = { ...this.filter, text: (text as unknown as { value?: string }).value ?? '' };
      this.refilter();
    });
    const clear = h('vscode-toolbar-button', { icon: 'clear-all', label: 'Clear', title: 'Clear the panel' });
    clear.addEventListener('click', () => void this.host.request({ method: 'clearLogs' }));
    const toolbar = h('div', { class: 'toolbar' }, this.chips, h('div', { class: 'tools' }, text, this.count, clear));
    this.rows = h('div', { class: 'rows' });
    this.spacer = h('div', { class: 'spacer' }, this.rows);
    this.list = h('div', { class: 'lines', role: 'log', 'aria-live': 'off', tabindex: '0' }, this.spacer);
    this.list.addEventListener('scroll', () => {
      this.follow = this.list.scrollTop + this.list.clientHeight >= this.list.scrollHeight - ROW_HEIGHT;
      this.schedule();
    });
    window.addEventListener('resize', () => this.schedule());
    root.replaceChildren(toolbar, this.list);
    this.renderChips();
  }

  onNotify(body: NotificationBody): void {
    if (body.type === 'logs/init') {
      this.device = body.device;
      this.list.setAttribute('aria-label', `Logs of ${this.device}`);
      this.capacity = body.capacity;
      this.entries = body.entries.slice(-this.capacity);
      this.noteServices(this.entries);
      this.refilter();
    } else if (body.type === 'logs/append') {
      this.append(body.entries);
    } else if (body.type === 'logs/clear') {
      this.entries = [];
      this.refilter();
    } else if (body.type === 'logs/focus') {
      this.known.add(body.service);
      this.filter = { ...this.filter, hiddenServices: new Set([...this.known].filter((s) => s !== body.service)) };
      this.renderChips();
      this.refilter();
    }
  }

  private append(batch: readonly LogEntry[]): void {
    for (const e of batch) {
      this.entries.push(e);
      if (matches(e, this.filter)) this.shown.push(e);
    }
    const over = this.entries.length - this.capacity;
    if (over > 0) {
      // `shown` is a subsequence of `entries`: what falls off the front of one falls off the front of the other.
      const removed = new Set(this.entries.splice(0, over));
      let k = 0;
      while (k < this.shown.length && removed.has(this.shown[k]!)) k++;
      this.shown.splice(0, k);
    }
    this.noteServices(batch);
    this.schedule();
  }

  private refilter(): void {
    this.shown = this.entries.filter((e) => matches(e, this.filter));
    this.schedule();
  }

  private noteServices(added: readonly LogEntry[]): void {
    const before = this.known.size;
    for (const s of servicesIn(added)) this.known.add(s);
    if (this.known.size !== before) this.renderChips();
  }

  private schedule(): void {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.draw());
  }

  /** Draws the rows in view; everything else is an empty spacer of the right height. */
  private draw(): void {
    this.frame = 0;
    const total = this.shown.length;
    this.spacer.style.height = `${total * ROW_HEIGHT}px`;
    if (this.follow) this.list.scrollTop = this.list.scrollHeight;
    const w = visibleWindow(total, ROW_HEIGHT, this.list.scrollTop, this.list.clientHeight);
    this.rows.style.transform = `translateY(${w.first * ROW_HEIGHT}px)`;
    const frag = document.createDocumentFragment();
    for (let i = w.first; i < w.end; i++) frag.append(this.row(this.shown[i]!));
    this.rows.replaceChildren(frag);
    this.count.textContent = total === this.entries.length ? `${total} lines` : `${total} of ${this.entries.length} lines`;
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
        this.refilter();
      });
      return b;
    };
    const hidden = this.filter.hiddenServices;
    this.chips.replaceChildren(
      ...servicesIn([], this.known).map((s) =>
        chip(
          s,
          !hidden.has(s),
          () => {
            const next = new Set(hidden);
            if (next.has(s)) next.delete(s);
            else next.add(s);
            this.filter = { ...this.filter, hiddenServices: next };
          },
          serviceColor(s),
        ),
      ),
      chip('system', this.filter.showSystem, () => (this.filter = { ...this.filter, showSystem: !this.filter.showSystem }), undefined, 'gear'),
      chip('stderr only', this.filter.stderrOnly, () => (this.filter = { ...this.filter, stderrOnly: !this.filter.stderrOnly }), undefined, 'warning'),
    );
  }

  private row(e: LogEntry): HTMLElement {
    if (e.kind === 'reconnect') {
      return h('div', { class: 'line reconnect', 'data-seq': String(e.seq), title: e.message }, icon('debug-disconnect'), h('span', { class: 'msg' }, `Reconnected at ${formatClock(e.timestamp)} (${e.message})`));
    }
    if (e.kind === 'gap') {
      return h('div', { class: 'line reconnect gap', 'data-seq': String(e.seq), 'data-service': e.service, title: e.message }, icon('warning'), h('span', { class: 'msg' }, `${formatClock(e.timestamp)}${e.service ? ` [${e.service}]` : ''} ${e.message}`));
    }
    const tag = h('span', { class: 'svc' }, e.kind === 'system' ? 'system' : (e.service ?? ''));
    if (e.service) tag.style.color = serviceColor(e.service);
    return h(
      'div',
      { class: `line ${e.kind}${e.stderr ? ' stderr' : ''}`, 'data-seq': String(e.seq), 'data-service': e.service, title: e.message.length > 120 ? e.message : undefined },
      h('span', { class: 'ts' }, formatClock(e.timestamp)),
      tag,
      e.stderr ? h('span', { class: 'err-mark', title: 'stderr' }, 'err') : undefined,
      h('span', { class: 'msg' }, e.message),
    );
  }
}
