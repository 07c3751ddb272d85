// Ending a board. `stopBoard` is a clean power-off: the ACPI power button through QMP (`system_powerdown`), and on
// the aarch64 board a line on its power-button port (qemuArgs.ts powerPort); the Debian board's init stops the
// engine, syncs and powers off. If the guest does not react in time (a balenaOS
// image still booting, a hung guest) QMP `quit`, then SIGKILL. `killBoard` is a power cut: SIGKILL to QEMU at once.
import { stateRoot, boardPaths } from './paths.js';
import { qemuAlive, readBoardState, writeBoardState, type BoardState } from './boardState.js';
import { qmpCommand } from './qmp.js';
import { connect, type Socket } from 'node:net';
import { existsSync } from 'node:fs';
import { notFound } from '../shared/errors.js';

export interface PowerOptions {
  stateDir?: string;
  /** How long the guest may take to power off cleanly (default 30 s). */
  timeoutMs?: number;
}

export interface PowerResult {
  name: string;
  /** What ended it: the guest powered off, QEMU was told to quit, or was killed. */
  how: 'poweroff' | 'quit' | 'killed' | 'not-running';
  seconds: number;
}

async function waitGone(pid: number | null, name: string, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (qemuAlive(pid, name)) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

function finish(state: BoardState, root: string, lastExit: BoardState['lastExit']): void {
  writeBoardState({ ...state, pid: null, stoppedAt: new Date().toISOString(), lastExit }, root);
}

function need(name: string, root: string): BoardState {
  const s = readBoardState(name, root);
  if (!s) throw notFound(`no board named ${name} (see edgepush board list)`);
  return s;
}

export async function stopBoard(name: string, opts: PowerOptions = {}): Promise<PowerResult> {
  const root = opts.stateDir ?? stateRoot();
  const state = need(name, root);
  const started = Date.now();
  const secs = () => Math.round((Date.now() - started) / 100) / 10;
  if (!qemuAlive(state.pid, name)) {
    finish(state, root, state.lastExit ?? 'crashed');
    return { name, how: 'not-running', seconds: 0 };
  }
  const paths = boardPaths(name, root);
  const qmp = paths.qmp;
  const button = existsSync(paths.powerButton) ? await pressPortButton(paths.powerButton) : undefined;
  try {
    // pressed again every few seconds, as a person would: a guest whose init is not watching the button yet (moments
    // after it came online; its watcher starts at low priority) misses a single press. A press that fails once one
    // went through is QEMU closing its monitor as the guest powers off, not a reason to pull the plug.
    const until = Date.now() + (opts.timeoutMs ?? 30_000);
    let pressed = false;
    while (Date.now() < until) {
      const ok = await qmpCommand(qmp, 'system_powerdown').then(
        () => true,
        () => false,
      );
      if (!ok && !pressed) break; // QMP not answering: harder means
      pressed ||= ok;
      if (await waitGone(state.pid, name, Math.max(0, Math.min(3000, until - Date.now())))) {
        finish(state, root, 'poweroff');
        return { name, how: 'poweroff', seconds: secs() };
      }
    }
  } finally {
    button?.destroy();
  }
  try {
    await qmpCommand(qmp, 'quit', undefined, 3000);
  } catch {
    // QEMU closes the socket as it quits; an error here is expected
  }
  if (await waitGone(state.pid, name, 5000)) {
    finish(state, root, 'poweroff');
    return { name, how: 'quit', seconds: secs() };
  }
  return { ...(await killBoard(name, { stateDir: root })), seconds: secs() };
}

/** Writes the power-off line to the board's power-button port; the connection stays open until the board is gone
 *  (QEMU passes the line on once the guest reads the port, and a closed socket could drop it). */
async function pressPortButton(socket: string): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const s = connect(socket);
    s.once('connect', () => s.write('poweroff\n', () => resolve(s)));
    s.on('error', () => resolve(undefined));
    s.on('data', () => undefined);
  });
}

export async function killBoard(name: string, opts: PowerOptions = {}): Promise<PowerResult> {
  const root = opts.stateDir ?? stateRoot();
  const state = need(name, root);
  const started = Date.now();
  if (!qemuAlive(state.pid, name) || state.pid === null) {
    finish(state, root, state.lastExit ?? 'crashed');
    return { name, how: 'not-running', seconds: 0 };
  }
  try {
    process.kill(state.pid, 'SIGKILL');
  } catch {
    // already gone
  }
  await waitGone(state.pid, name, 10_000);
  finish(state, root, 'killed');
  return { name, how: 'killed', seconds: Math.round((Date.now() - started) / 100) / 10 };
}
