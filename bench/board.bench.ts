// `npm run bench:board` (x86_64) or `npm run bench:board:arm` (`-- --board aarch64`, no soak): the QEMU board's start phases: cold (a fresh overlay, booted with --cold), restored (a fresh
// overlay woken from the state saved after a first boot) and warm (the same overlay after a clean power-off,
// booted), the clean power-off itself and QEMU's memory, printed beside the goals of issues 7 and 14: cold boot to
// the supervisor answering ≤ 10 s under TCG, a restore ≤ 3 s, first image build ≤ 5 min; then issue 14's soak (EDGEPUSH_SOAK_CYCLES, default 50; 0 skips it): fresh board → first push →
// power cut, counting lock-ups, and the first push's time. Figures only, no assertions. Uses 127.B.40.20 (test/testNet.ts) and a temporary state dir.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureImage, cachedImage } from '../simulator/board/imageBuild.js';
import { recipeFor, type BoardArch } from '../simulator/board/recipe.js';
import { startBoard, type BoardHandle } from '../simulator/board/launcher.js';
import { killBoard, stopBoard } from '../simulator/board/power.js';
import { progressLine } from '../simulator/shared/progress.js';
import { enginePing, httpOk } from '../simulator/board/bootWatch.js';
import type { BootPhase } from '../simulator/board/consolePhases.js';
import { testAddress } from '../test/testNet.js';
import { soak, type SoakCycle } from './lib/boardSoak.js';
import { boardBaseImages } from '../simulator/cli/boardBaseImages.js';

const boardFlag = process.argv.indexOf('--board');
const board: BoardArch = boardFlag > 0 && process.argv[boardFlag + 1] === 'aarch64' ? 'aarch64' : 'x86_64';
const arm = board === 'aarch64';
const RUNS = Number(process.env.EDGEPUSH_BENCH_RUNS ?? 3);
/** Fresh-board push cycles of the soak (issue 14's goal: at least 50 with 0 lock-ups); 0 skips it. */
const SOAK = Number(process.env.EDGEPUSH_SOAK_CYCLES ?? 50);
const address = testAddress(40, 20);
const name = 'board-bench';
const stateDir = mkdtempSync(join(tmpdir(), 'edgepush-board-bench-'));
const shown: BootPhase[] = ['kernel', 'init', 'agent', 'restored', 'online', 'engine'];

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

type StartKind = 'cold' | 'restored' | 'warm';

/** cold: a fresh overlay, booted (`--cold`); restored: a fresh overlay woken from the saved state; warm: the same overlay, booted. */
async function boot(kind: StartKind): Promise<Run> {
  const h: BoardHandle = await startBoard({ board, address, name, stateDir, reset: kind !== 'warm', cold: kind === 'cold' });
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

function table(label: string, runs: Run[], onlineGoal: string): void {
  console.log(
    `${label} (${runs.length} starts under ${runs[0]?.accel ?? '?'}, medians; seconds since QEMU started; load ${loadavg()[0]!.toFixed(1)}):`,
  );
  for (const p of shown) {
    const xs = runs.map((r) => r.phases[p]).filter((x): x is number => x !== undefined);
    if (xs.length === 0) continue;
    const goal = p === 'online' ? `   goal: ${onlineGoal}` : '';
    console.log(
      `  ${p.padEnd(8)} ${xs.length ? `${median(xs).toFixed(1).padStart(5)} s  [${xs.map((x) => x.toFixed(1)).join(', ')}]` : '   -'}${goal}`,
    );
  }
  console.log(
    `  QEMU RSS at online ${median(runs.map((r) => r.rss))} MiB; clean power-off ${median(runs.map((r) => r.stopSeconds)).toFixed(1)} s`,
  );
}

async function main(): Promise<void> {
  const recipe = recipeFor(board);
  const had = cachedImage(recipe);
  const t0 = Date.now();
  const image = await ensureImage({ recipe, progress: progressLine() });
  const buildNote = had
    ? `cached (it was built in ${image.info.buildSeconds} s on ${image.info.builtAt.slice(0, 16)})`
    : `built now in ${((Date.now() - t0) / 1000).toFixed(1)} s`;
  console.log(`${board} board image ${image.info.hash}: ${buildNote}   goal: first build ≤ 300 s${arm ? ' (x86_64)' : ''}`);
  const cold: Run[] = [];
  const restored: Run[] = [];
  const warm: Run[] = [];
  try {
    // a first start saves the state the restored starts wake from (or finds one saved before), and leaves the
    // agent's code cache for the later boots (codeCache.ts), as any user's first start does
    await boot('restored');
    for (let i = 0; i < RUNS; i++) {
      cold.push(await boot('cold'));
      restored.push(await boot('restored'));
      warm.push(await boot('warm'));
    }
  } finally {
    await killBoard(name, { stateDir }).catch(() => undefined);
    rmSync(stateDir, { recursive: true, force: true });
  }
  const c = median(cold.map((r) => r.phases.online ?? NaN));
  const r = median(restored.map((x) => x.phases.online ?? NaN));
  if (arm) {
    table('aarch64 cold boot (fresh overlay, --cold)', cold, '≤ 45 s under TCG (issue 12)');
    table('aarch64 warm start (fresh overlay, restored from the saved state)', restored, 'faster than the cold boot (issue 12)');
    table('aarch64 warm restart (same overlay after a clean power-off: boots, keeping the apps)', warm, '-');
    console.log(`aarch64 restored vs cold boot to online: ${r.toFixed(1)} s vs ${c.toFixed(1)} s`);
    return;
  }
  table('cold boot (fresh overlay, --cold)', cold, '≤ 10 s under TCG (issue 14)');
  table('warm start (fresh overlay, restored from the saved state)', restored, '≤ 3 s (issue 14)');
  table('warm restart (same overlay after a clean power-off: boots, keeping the apps)', warm, '≤ 30 s under TCG (issue 7)');
  console.log(`restored vs cold boot to online: ${r.toFixed(1)} s vs ${c.toFixed(1)} s`);
  if (SOAK > 0) await runSoak();
}

async function runSoak(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'edgepush-board-soak-'));
  const keepDir = join(tmpdir(), `edgepush-board-soak-consoles-${process.pid}`);
  console.log(`soak: ${SOAK} cycles of fresh board → push examples/hello → app running → power cut`);
  let cycles: SoakCycle[] = [];
  try {
    cycles = await soak({
      cycles: SOAK,
      address,
      name: 'board-soak',
      stateDir: dir,
      keepDir,
      // as `edgepush board start` does: the busybox base image is in the saved state the fresh boards wake from
      start: { beforeSave: boardBaseImages() },
      onCycle: (i, c) =>
        console.log(
          `  cycle ${String(i).padStart(3)}: ${c.outcome.padEnd(6)} online ${c.onlineSeconds?.toFixed(1) ?? '-'} s${c.restored ? ' (restored)' : ''}, push ${c.pushSeconds?.toFixed(1) ?? '-'} s${c.detail ? `  ${c.detail}` : ''}`,
        ),
    });
  } finally {
    await killBoard('board-soak', { stateDir: dir }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  const count = (o: SoakCycle['outcome']) => cycles.filter((c) => c.outcome === o).length;
  console.log(
    `soak: ${cycles.length} fresh-board push cycles: ${count('ok')} ok, ${count('lockup')} lock-ups, ${count('stall')} console stalls, ${count('failed')} other failures` +
      `   goal: ≥ 50 cycles, 0 lock-ups${count('ok') < cycles.length ? ` (consoles kept in ${keepDir})` : ''}`,
  );
  const pushes = cycles.map((c) => c.pushSeconds).filter((x): x is number => x !== undefined);
  const onlines = cycles.map((c) => c.onlineSeconds).filter((x): x is number => x !== undefined);
  console.log(
    `  first push of examples/hello to a fresh board: median ${median(pushes).toFixed(1)} s [${Math.min(...pushes).toFixed(1)}-${Math.max(...pushes).toFixed(1)}]   goal: ≤ 30 s`,
  );
  console.log(`  fresh board to supervisor answering: median ${median(onlines).toFixed(1)} s`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
