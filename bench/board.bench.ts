// `npm run bench:board`: the QEMU board's boot phases, cold (a fresh overlay: first boot of the image) and warm
// (restart from the overlay after a clean power-off), the clean power-off itself and QEMU's memory, printed beside
// the goals of issue #7: online (supervisor /ping) ≤ 30 s under TCG, warm restart the same or better, first image
// build ≤ 5 min. Figures only, no assertions. Uses 127.B.40.20 (test/testNet.ts) and a temporary state dir.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureImage, cachedImage } from '../simulator/board/imageBuild.js';
import { startBoard, type BoardHandle } from '../simulator/board/launcher.js';
import { killBoard, stopBoard } from '../simulator/board/power.js';
import { progressLine } from '../simulator/shared/progress.js';
import { enginePing, httpOk } from '../simulator/board/bootWatch.js';
import type { BootPhase } from '../simulator/board/consolePhases.js';
import { testAddress } from '../test/testNet.js';
import { recipeFor, type BoardArch } from '../simulator/board/recipe.js';

const RUNS = Number(process.env.EDGEPUSH_BENCH_RUNS ?? 3);
// EDGEPUSH_BOARD=aarch64 (`npm run bench:board:arm`): the aarch64 board under TCG, goal of issue 12 ≤ 45 s to online.
const board: BoardArch = process.env.EDGEPUSH_BOARD === 'aarch64' ? 'aarch64' : 'x86_64';
const onlineGoal = board === 'aarch64' ? 45 : 30;
const address = testAddress(40, 20);
const name = 'board-bench';
const stateDir = mkdtempSync(join(tmpdir(), 'edgepush-board-bench-'));
const shown: BootPhase[] = ['kernel', 'init', 'agent', 'online', 'engine'];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m?.[1] ? Math.round(Number(m[1]) / 1024) : NaN;
}

interface Run {
  accel: string;
  phases: Partial<Record<BootPhase, number>>;
  rss: number;
  stopSeconds: number;
}

async function boot(reset: boolean): Promise<Run> {
  const h: BoardHandle = await startBoard({ address, name, stateDir, reset, board });
  const phases: Partial<Record<BootPhase, number>> = {};
  for (const p of h.phases) phases[p.phase] = p.at;
  const rss = rssMiB(h.pid);
  // the engine may come up after the supervisor answers: time it too
  if (phases.engine === undefined || !(await httpOk(enginePing(address), 3000))) {
    const until = Date.now() + 120_000;
    while (Date.now() < until && !(await httpOk(enginePing(address), 3000))) await new Promise((r) => setTimeout(r, 250));
    phases.engine = Math.round((Date.now() - Date.parse(h.startedAt)) / 100) / 10;
  }
  const stop = await stopBoard(name, { stateDir });
  return { accel: h.accel, phases, rss, stopSeconds: stop.seconds };
}

function table(label: string, runs: Run[]): void {
  console.log(`${label} (${runs.length} boots under ${runs[0]?.accel ?? '?'}, medians; seconds since QEMU started):`);
  for (const p of shown) {
    const xs = runs.map((r) => r.phases[p]).filter((x): x is number => x !== undefined);
    const goal = p === 'online' ? `   goal: ≤ ${onlineGoal} s under TCG` : '';
    console.log(`  ${p.padEnd(8)} ${xs.length ? `${median(xs).toFixed(1).padStart(5)} s  [${xs.map((x) => x.toFixed(1)).join(', ')}]` : '   -'}${goal}`);
  }
  console.log(`  QEMU RSS at online ${median(runs.map((r) => r.rss))} MiB; clean power-off ${median(runs.map((r) => r.stopSeconds)).toFixed(1)} s`);
}

async function main(): Promise<void> {
  const had = cachedImage(recipeFor(board));
  const t0 = Date.now();
  const image = await ensureImage({ recipe: recipeFor(board), progress: progressLine() });
  const buildNote = had
    ? `cached (it was built in ${image.info.buildSeconds} s on ${image.info.builtAt.slice(0, 16)})`
    : `built now in ${((Date.now() - t0) / 1000).toFixed(1)} s`;
  console.log(`${board} board image ${image.info.hash}: ${buildNote}   goal: first build ≤ 300 s`);
  const cold: Run[] = [];
  const warm: Run[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      cold.push(await boot(true));
      warm.push(await boot(false));
    }
  } finally {
    await killBoard(name, { stateDir }).catch(() => undefined);
    rmSync(stateDir, { recursive: true, force: true });
  }
  table('cold boot (fresh overlay)', cold);
  table('warm restart (same overlay, after a clean power-off)', warm);
  const c = median(cold.map((r) => r.phases.online ?? NaN));
  const w = median(warm.map((r) => r.phases.online ?? NaN));
  console.log(`warm vs cold to online: ${w.toFixed(1)} s vs ${c.toFixed(1)} s   goal: warm the same or better`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
