// While a CLI command talks to a QEMU board, the board watchdog (board/watchdog.ts) runs beside it: a guest that
// stops answering ends the command within seconds (not after the push's own 120 s), says what happened, and on a
// terminal offers the power cycle at once.
import { createInterface } from 'node:readline/promises';
import { boardAt, describeVerdict, watchNamedBoard, type WatchdogVerdict } from '../board/watchdog.js';
import { powerCycleBoard } from '../board/powerCycle.js';
import { messageOf } from '../shared/errors.js';

export interface CliBoardWatch {
  /** The verdict, once the board was found hung or gone (the command's signal has then been aborted). */
  verdict(): WatchdogVerdict | undefined;
  /** Stops watching (and the forced end below): call before reporting a verdict yourself. */
  stop(): void;
}

/**
 * Starts watching when `device` is a running board; `abort` is called on a verdict. A request to a frozen guest
 * may never end (its connection stays open), so if the command has not reported the verdict itself 2 s after it,
 * the verdict is reported here and the process ends with code 3.
 */
export function watchBoardFor(device: string, abort: () => void): CliBoardWatch {
  const board = boardAt(device);
  const controller = new AbortController();
  let found: WatchdogVerdict | undefined;
  let force: NodeJS.Timeout | undefined;
  if (board) {
    void watchNamedBoard(board, controller.signal).then((v) => {
      if (!v) return;
      found = v;
      abort();
      force = setTimeout(() => {
        void reportHungBoard(v).then((code) => process.stderr.write('', () => process.exit(code)));
      }, 2000);
      force.unref();
    });
  }
  return {
    verdict: () => found,
    stop: () => {
      controller.abort();
      if (force) clearTimeout(force);
    },
  };
}

/**
 * Prints the verdict; on a terminal asks whether to power-cycle now. Returns the exit code (3: device unreachable).
 * Connections to the frozen guest may stay open for good: if they would keep the process alive, it ends 1 s later.
 */
export async function reportHungBoard(v: WatchdogVerdict, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const code = await reportAndOffer(v, err);
  setTimeout(() => process.exit(code), 1000).unref();
  return code;
}

async function reportAndOffer(v: WatchdogVerdict, err: NodeJS.WritableStream): Promise<number> {
  err.write(`edgepush: ${describeVerdict(v)}\n`);
  if (v.kind !== 'hung' || !process.stdin.isTTY || !process.stderr.isTTY) return 3;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = (await rl.question(`Power-cycle ${v.board} now? [Y/n] `)).trim().toLowerCase();
  rl.close();
  if (answer !== '' && answer !== 'y' && answer !== 'yes') return 3;
  try {
    const h = await powerCycleBoard(v.board, {}, { onPhase: (e) => err.write(`  ${e.at.toFixed(1).padStart(5)} s  ${e.phase}\n`) });
    err.write(`board ${h.name} online again in ${h.bootSeconds} s; push again when ready\n`);
  } catch (e) {
    err.write(`edgepush: the power cycle failed: ${messageOf(e)}\n`);
  }
  return 3;
}
