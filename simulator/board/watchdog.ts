// A watchdog for a running board: its supervisor's /ping is probed every second; when it has not answered for
// `graceMs` (default 6 s) while QEMU still runs, the guest is declared hung (under TCG a guest can lock up, e.g.
// `soft lockup ... [runc]`), and the caller is told at once, with the console's last kernel complaint, instead of
// after a push's 120 s. QEMU exiting is reported too. The decision is a pure function of the probes (`judge`).
import { httpOk, supervisorPing, LogFollower } from './bootWatch.js';
import { qemuAlive, listBoards, type BoardListing } from './boardState.js';
import { boardPaths, stateRoot } from './paths.js';

export interface WatchdogVerdict {
  board: string;
  address: string;
  /** 'hung': QEMU runs but the supervisor stopped answering; 'stopped': QEMU is gone. */
  kind: 'hung' | 'stopped';
  /** Seconds since the last answer (or since watching began). */
  silentSeconds: number;
  /** The last console line that says why (soft lockup, RCU stall, panic), if any. */
  consoleHint?: string;
  /** What the user can do about it, as one sentence. */
  advice: string;
}

export interface WatchState {
  lastAnswer: number;
}

/** Pure: given the last answer time and this probe, is the board hung? */
export function judge(
  state: WatchState,
  probe: { ok: boolean; alive: boolean; at: number },
  graceMs: number,
): { state: WatchState; verdict?: 'hung' | 'stopped' } {
  if (!probe.alive) return { state, verdict: 'stopped' };
  if (probe.ok) return { state: { lastAnswer: probe.at } };
  return { state, verdict: probe.at - state.lastAnswer >= graceMs ? 'hung' : undefined };
}

const complaint =
  /soft lockup|hard LOCKUP|rcu_\w+ (kthread starved|detected stalls)|self-detected stall|Kernel panic|hung_task|blocked for more than|Out of memory/;

/** The last line of the console that explains a hang, if any. */
export function consoleComplaint(lines: readonly string[]): string | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i]!;
    if (complaint.test(l))
      return l
        .replace(/^\[\s*[\d.]+\]\s*/, '')
        .trim()
        .slice(0, 200);
  }
  return undefined;
}

export interface WatchBoardOptions {
  board: string;
  address: string;
  pid: number | null;
  consoleLog?: string;
  intervalMs?: number;
  graceMs?: number;
  signal?: AbortSignal;
  /** For tests: probe another URL than the supervisor's /ping. */
  pingUrl?: string;
  /** For tests: whether QEMU still runs (default: /proc check of the board's QEMU). */
  alive?: () => boolean;
}

export function adviceFor(board: string, kind: WatchdogVerdict['kind']): string {
  return kind === 'hung'
    ? `power-cycle it: edgepush board cycle ${board} (a power cut and a boot; the apps come back)`
    : `start it again: edgepush board start ${board}`;
}

/**
 * Resolves with a verdict once the board is hung or gone, or with undefined when `signal` aborts. Never rejects.
 */
export async function watchBoard(o: WatchBoardOptions): Promise<WatchdogVerdict | undefined> {
  const interval = o.intervalMs ?? 1000;
  const grace = o.graceMs ?? 6000;
  const url = o.pingUrl ?? supervisorPing(o.address);
  const alive = o.alive ?? (() => qemuAlive(o.pid, o.board));
  const follower = o.consoleLog ? new LogFollower(o.consoleLog) : undefined;
  follower?.poll(); // only what the console says from now on
  const recent: string[] = [];
  let state: WatchState = { lastAnswer: Date.now() };
  while (!o.signal?.aborted) {
    const probeStart = Date.now();
    const ok = await httpOk(url, Math.min(2500, grace / 2));
    for (const l of follower?.poll() ?? []) {
      recent.push(l);
      if (recent.length > 200) recent.shift();
    }
    const at = Date.now();
    const judged = judge(state, { ok, alive: alive(), at }, grace);
    state = judged.state;
    if (judged.verdict && !o.signal?.aborted) {
      return {
        board: o.board,
        address: o.address,
        kind: judged.verdict,
        silentSeconds: Math.round((at - state.lastAnswer) / 100) / 10,
        consoleHint: consoleComplaint(recent),
        advice: adviceFor(o.board, judged.verdict),
      };
    }
    await sleep(Math.max(0, interval - (Date.now() - probeStart)), o.signal);
  }
  return undefined;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The running board a device address (`host` or `host:48484`) belongs to, if it is one. */
export function boardAt(device: string, root = stateRoot()): BoardListing | undefined {
  const host = device.replace(/^\[|\](?=:|$)/g, '').replace(/:48484$/, '');
  return listBoards(root).find((b) => b.running && b.address === host);
}

/** One line for a terminal or a notification. */
export function describeVerdict(v: WatchdogVerdict): string {
  const what =
    v.kind === 'hung'
      ? `board ${v.board} stopped answering (no answer from its supervisor for ${v.silentSeconds} s while QEMU runs: the guest is hung)`
      : `board ${v.board} is no longer running (QEMU exited)`;
  return `${what}${v.consoleHint ? `; its console says: ${v.consoleHint}` : ''}. ${v.advice[0]!.toUpperCase()}${v.advice.slice(1)}`;
}

/** The watch for a board known by name (state dir paths). */
export function watchNamedBoard(
  b: Pick<BoardListing, 'name' | 'address' | 'pid'>,
  signal: AbortSignal,
  root = stateRoot(),
): Promise<WatchdogVerdict | undefined> {
  return watchBoard({ board: b.name, address: b.address, pid: b.pid, consoleLog: boardPaths(b.name, root).console, signal });
}

/** Watches the running board at a device address; resolves undefined at once when there is none there. */
export async function watchBoardAt(device: string, signal: AbortSignal, root = stateRoot()): Promise<WatchdogVerdict | undefined> {
  const b = boardAt(device, root);
  return b ? watchNamedBoard(b, signal, root) : undefined;
}
