// The board soak (issue 14): boot a fresh board (a new overlay: nothing of the last cycle survives), push
// examples/hello to it as a new user would (its base image is shipped by the push), check the app runs, power it
// off hard, and again. The board watchdog runs beside every push; a guest that stops answering, or a console that
// reports a soft lockup / RCU stall, counts as a lock-up. Its console is kept for the post-mortem.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBoard, type StartBoardOptions } from '../../simulator/board/launcher.js';
import { killBoard } from '../../simulator/board/power.js';
import { boardPaths } from '../../simulator/board/paths.js';
import { consoleComplaint, watchBoard, type WatchdogVerdict } from '../../simulator/board/watchdog.js';
import { pushProject } from '../../simulator/push/pushProject.js';
import { makeBaseImage } from '../../simulator/device/baseImages.js';
import { messageOf } from '../../simulator/shared/errors.js';

export interface SoakCycle {
  /** lockup: the guest stopped answering; stall: it went on, but its console reported a soft lockup or RCU stall. */
  outcome: 'ok' | 'lockup' | 'stall' | 'failed';
  /** Seconds from QEMU start to the supervisor answering. */
  onlineSeconds?: number;
  restored?: boolean;
  /** Seconds of the first push (connect → app running). */
  pushSeconds?: number;
  detail?: string;
}

export interface SoakOptions {
  cycles: number;
  address: string;
  name: string;
  stateDir: string;
  keepDir: string;
  start?: Partial<StartBoardOptions>;
  onCycle?: (i: number, c: SoakCycle) => void;
}

async function oneCycle(o: SoakOptions, i: number): Promise<SoakCycle> {
  let h;
  try {
    h = await startBoard({ ...o.start, address: o.address, name: o.name, stateDir: o.stateDir, reset: true });
  } catch (err) {
    return { outcome: 'failed', detail: `start: ${messageOf(err).split('\n')[0]}` };
  }
  const watch = new AbortController();
  const pushAbort = new AbortController();
  let verdict: WatchdogVerdict | undefined;
  // a request to a frozen guest may never end: the push is raced against the verdict, not only aborted
  const hung = watchBoard({ board: h.name, address: o.address, pid: h.pid, consoleLog: h.consoleLog, signal: watch.signal }).then((v) => {
    verdict = v;
    if (v) pushAbort.abort();
    return v ? Promise.reject(new Error('the board stopped answering')) : new Promise<never>(() => undefined);
  });
  const t0 = Date.now();
  let cycle: SoakCycle;
  try {
    const report = await Promise.race([
      pushProject({ projectDir: 'examples/hello', device: o.address, signal: pushAbort.signal, skipDeltaReport: true, makeBaseImage }),
      hung,
    ]);
    const state = report.services[0]?.state ?? '?';
    cycle = /running/i.test(state)
      ? { outcome: 'ok', onlineSeconds: h.bootSeconds, restored: h.restored, pushSeconds: (Date.now() - t0) / 1000 }
      : { outcome: 'failed', onlineSeconds: h.bootSeconds, restored: h.restored, detail: `app ${state}` };
  } catch (err) {
    cycle = verdict
      ? {
          outcome: 'lockup',
          onlineSeconds: h.bootSeconds,
          restored: h.restored,
          detail: verdict.consoleHint ?? `no answer for ${verdict.silentSeconds} s`,
        }
      : { outcome: 'failed', onlineSeconds: h.bootSeconds, restored: h.restored, detail: messageOf(err).split('\n')[0] };
  } finally {
    watch.abort();
  }
  const consoleLog = boardPaths(o.name, o.stateDir).console;
  const complaint = consoleComplaint(readFileSync(consoleLog, 'utf8').split('\n'));
  if (complaint && cycle.outcome === 'ok') cycle = { ...cycle, outcome: 'stall', detail: `went on, but the console says: ${complaint}` };
  if (cycle.outcome !== 'ok') {
    mkdirSync(o.keepDir, { recursive: true });
    copyFileSync(consoleLog, join(o.keepDir, `cycle-${i}-console.log`));
  }
  await killBoard(o.name, { stateDir: o.stateDir }).catch(() => undefined);
  return cycle;
}

export async function soak(o: SoakOptions): Promise<SoakCycle[]> {
  const out: SoakCycle[] = [];
  for (let i = 1; i <= o.cycles; i++) {
    const c = await oneCycle(o, i);
    out.push(c);
    o.onCycle?.(i, c);
  }
  return out;
}
