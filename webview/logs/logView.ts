// The live log panel: all services interleaved, each with its colour, stderr marked, system lines and reconnect
// markers, filters in a toolbar. Lines arrive in batches from the host; the panel keeps at most `capacity` of
// them and draws only the rows in view, once per animation frame, so it stays smooth at any rate. Lines can be
// selected (click, shift-click, ctrl/cmd-click, ctrl/cmd+A) and copied (ctrl/cmd+C or Copy), all of them saved,
// searched across everything buffered (not only the rows drawn), and the view follows new lines until scrolled.
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-toolbar-button/index.js';
import { h, icon } from '../dom.js';
import { formatClock } from '../format.js';
import type { HostChannel } from '../hostChannel.js';
import type { LogEntry, NotificationBody } from '../protocol.js';
import { defaultFilter, matches, servicesIn, type LogFilter } from './logFilter.js';
import { visibleWindow } from './logWindow.js';
import { findMatches, LineSelection, linesText } from './logText.js';
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
  private readonly selection = new LineSelection();
  private query = '';
  /** Indices into `shown` of the lines that match the search, and which one is current. */
  private matches: number[] = [];
  private current = -1;
  private readonly followButton: HTMLElement;
  private readonly findCount: HTMLElement;
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
    const find = h('vscode-textfield', { placeholder: 'Find', class: 'find-text', 'aria-label': 'Find in all lines' });
    find.prepend(h('vscode-icon', { slot: 'content-before', name: 'search' }));
    find.addEventListener('input', () => this.search((find as unknown as { value?: string }).value ?? ''));
    find.addEventListener('keydown', (ev: KeyboardEvent) => {
      if (ev.key === 'Enter') this.step(ev.shiftKey ? -1 : 1);
    });
    this.findCount = h('span', { class: 'muted find-count' });
    const prev = h('vscode-toolbar-button', { icon: 'arrow-up', label: 'Previous match', title: 'Previous match (Shift+Enter)' });
    prev.addEventListener('click', () => this.step(-1));
    const next = h('vscode-toolbar-button', { icon: 'arrow-down', label: 'Next match', title: 'Next match (Enter)' });
    next.addEventListener('click', () => this.step(1));
    const copy = h('vscode-toolbar-button', {
      icon: 'copy',
      label: 'Copy',
      title: 'Copy the selected lines (all shown lines when none is selected)',
    });
    copy.addEventListener('click', () => this.copy());
    const save = h('vscode-toolbar-button', { icon: 'save', label: 'Save', title: 'Save the shown lines to a file' });
    save.addEventListener('click', () => void this.host.request({ method: 'saveLogs', text: linesText(this.shown) }));
    this.followButton = h('vscode-toolbar-button', {
      icon: 'pin',
      label: 'Follow',
      title: 'Follow new lines',
      toggleable: true,
      checked: true,
    });
    this.followButton.addEventListener('click', () => this.setFollow(!this.follow));
    const toolbar = h(
      'div',
      { class: 'toolbar' },
      this.chips,
      h('div', { class: 'tools' }, text, find, this.findCount, prev, next, this.count, this.followButton, copy, save, clear),
    );
    this.rows = h('div', { class: 'rows' });
    this.spacer = h('div', { class: 'spacer' }, this.rows);
    this.list = h('div', { class: 'lines', role: 'log', 'aria-live': 'off', tabindex: '0' }, this.spacer);
    this.list.addEventListener('scroll', () => {
      const atEnd = this.list.scrollTop + this.list.clientHeight >= this.list.scrollHeight - ROW_HEIGHT;
      if (atEnd !== this.follow) this.setFollow(atEnd, false);
      this.schedule();
    });
    this.rows.addEventListener('click', (ev: MouseEvent) => {
      const row = (ev.target as HTMLElement).closest('.line');
      const seq = Number(row?.getAttribute('data-seq'));
      if (!row || !Number.isFinite(seq)) return;
      this.selection.click(this.shown, seq, ev.shiftKey ? 'range' : ev.ctrlKey || ev.metaKey ? 'toggle' : 'one');
      this.schedule();
    });
    this.list.addEventListener('keydown', (ev: KeyboardEvent) => {
      const mod = ev.ctrlKey || ev.metaKey;
      if (mod && ev.key.toLowerCase() === 'c' && this.selection.size > 0) {
        ev.preventDefault();
        this.copy();
      } else if (mod && ev.key.toLowerCase() === 'a') {
        ev.preventDefault();
        this.selection.all(this.shown);
        this.schedule();
      } else if (ev.key === 'Escape') {
        this.selection.clear();
        this.schedule();
      }
    });
    window.addEventListener('resize', () => this.schedule());
    root.replaceChildren(toolbar, this.list);
    this.renderChips();
  }

  onNotify(body: NotificationBody): void {
    if (body.type === 'logs/init') {
      this.device = body.device;
      this.host.setState({ device: body.device });
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
    this.rematch();
    this.schedule();
  }

  private copy(): void {
    const lines = this.selection.size > 0 ? this.selection.of(this.shown) : this.shown;
    void this.host.request({ method: 'copyText', text: linesText(lines) });
  }

  private setFollow(on: boolean, scroll = true): void {
    this.follow = on;
    this.followButton.toggleAttribute('checked', on);
    this.followButton.setAttribute('aria-pressed', on ? 'true' : 'false');
    if (on && scroll) this.schedule();
  }

  /** A new search over every shown line; the first match at or after the view's top becomes current. */
  private search(query: string): void {
    this.query = query;
    this.rematch();
    if (this.matches.length > 0) {
      const top = Math.floor(this.list.scrollTop / ROW_HEIGHT);
      const at = this.matches.findIndex((i) => i >= top);
      this.current = at >= 0 ? at : 0;
      this.reveal();
    }
    this.schedule();
  }

  private rematch(): void {
    const before = this.current >= 0 ? this.shown[this.matches[this.current]!] : undefined;
    this.matches = findMatches(this.shown, this.query);
    this.current = before
      ? Math.max(
          0,
          this.matches.findIndex((i) => this.shown[i] === before),
        )
      : this.matches.length
        ? 0
        : -1;
    if (this.matches.length === 0) this.current = -1;
  }

  private step(delta: number): void {
    if (this.matches.length === 0) return;
    this.current = (this.current + delta + this.matches.length) % this.matches.length;
    this.reveal();
    this.schedule();
  }

  /** Scrolls the current match into the middle of the view (and stops following). */
  private reveal(): void {
    const i = this.matches[this.current];
    if (i === undefined) return;
    this.setFollow(false, false);
    this.spacer.style.height = `${this.shown.length * ROW_HEIGHT}px`;
    this.list.scrollTop = Math.max(0, i * ROW_HEIGHT - this.list.clientHeight / 2);
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
    const matched = new Set(this.matches);
    const currentIndex = this.matches[this.current];
    for (let i = w.first; i < w.end; i++) {
      const e = this.shown[i]!;
      const row = this.row(e);
      if (this.selection.has(e.seq)) row.classList.add('selected');
      if (matched.has(i)) row.classList.add(i === currentIndex ? 'match-current' : 'match');
      frag.append(row);
    }
    this.rows.replaceChildren(frag);
    this.count.textContent = total === this.entries.length ? `${total} lines` : `${total} of ${this.entries.length} lines`;
    this.findCount.textContent = this.query.trim()
      ? this.matches.length
        ? `${this.current + 1} of ${this.matches.length}`
        : 'No results'
      : '';
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
      chip(
        'system',
        this.filter.showSystem,
        () => (this.filter = { ...this.filter, showSystem: !this.filter.showSystem }),
        undefined,
        'gear',
      ),
      chip(
        'stderr only',
        this.filter.stderrOnly,
        () => (this.filter = { ...this.filter, stderrOnly: !this.filter.stderrOnly }),
        undefined,
        'warning',
      ),
    );
  }

  private row(e: LogEntry): HTMLElement {
    if (e.kind === 'reconnect') {
      return h(
        'div',
        { class: 'line reconnect', 'data-seq': String(e.seq), title: e.message },
        icon('debug-disconnect'),
        h('span', { class: 'msg' }, `Reconnected at ${formatClock(e.timestamp)} (${e.message})`),
      );
    }
    if (e.kind === 'gap') {
      return h(
        'div',
        { class: 'line reconnect gap', 'data-seq': String(e.seq), 'data-service': e.service, title: e.message },
        icon('warning'),
        h('span', { class: 'msg' }, `${formatClock(e.timestamp)}${e.service ? ` [${e.service}]` : ''} ${e.message}`),
      );
    }
    const tag = h('span', { class: 'svc' }, e.kind === 'system' ? 'system' : (e.service ?? ''));
    if (e.service) tag.style.color = serviceColor(e.service);
    return h(
      'div',
      {
        class: `line ${e.kind}${e.stderr ? ' stderr' : ''}`,
        'data-seq': String(e.seq),
        'data-service': e.service,
        title: e.message.length > 120 ? e.message : undefined,
      },
      h('span', { class: 'ts' }, formatClock(e.timestamp)),
      tag,
      e.stderr ? h('span', { class: 'err-mark', title: 'stderr' }, 'err') : undefined,
      h('span', { class: 'msg' }, e.message),
    );
  }
}
