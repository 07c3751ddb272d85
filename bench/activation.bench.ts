// Activation cost of the bundled extension (dist/extension.js): the time to load the bundle and run activate()
// with a stand-in `vscode` module, in a fresh Node process each time (as the extension host loads it once).
// Goal: ≤ 10 ms (issue 17). Figures are printed, never asserted. `npm run bench:activation` makes the production
// build first (what the .vsix ships: minified, no source map) and measures it.
//
// Trustworthy on a loaded machine (2 cores shared with other work): many runs, medians; CPU time (user + system of
// the process), which other processes' load hardly changes and by which the goal is judged, beside wall time
// (which adds the time the process waited for a core: 3.6 ms at load 4, 15.8 ms at load 7 for the same 4 ms of
// CPU); the load average before and after;
// and an anchor measured in the same run, interleaved with EdgePush's runs: a bare extension (one command
// registered) loaded and activated the same way. EdgePush's own cost is the difference of the medians.
// Each run is a plain `node` process (bench/lib/activationChild.ts, bundled at start): under tsx, as this bench ran
// before, the bundle went through tsx's loader hooks and Node's source-map cache (tsx turns source maps on), which
// the extension host does not do, and which about doubled the figure. `--runs N` (default 31) runs of each.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import type { ActivationSample as Sample } from './lib/activationChild.js';

const root = resolve(__dirname, '..');
const GOAL_MS = 10;
const BARE_EXTENSION = `const vscode = require('vscode');
exports.activate = (context) => {
  context.subscriptions.push(vscode.commands.registerCommand('bare.hello', () => undefined));
};
`;

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}
const median = (xs: number[]) => quantile(xs, 0.5);

function run(childScript: string, bundle: string, full: boolean): Sample {
  const r = spawnSync(process.execPath, [childScript, bundle, ...(full ? ['--full'] : [])], { encoding: 'utf8', cwd: root });
  if (r.status !== 0) {
    console.error(r.stderr);
    process.exit(1);
  }
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Sample;
}

function main(): void {
  const runsArg = process.argv.indexOf('--runs');
  const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 31;
  const dir = mkdtempSync(join(tmpdir(), 'edgepush-activation-'));
  const bare = join(dir, 'dist', 'bareExtension.js');
  const childScript = join(dir, 'activationChild.cjs');
  buildSync({
    entryPoints: [join(__dirname, 'lib', 'activationChild.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: childScript,
    logLevel: 'error',
  });
  mkdirSync(join(dir, 'dist'));
  writeFileSync(bare, BARE_EXTENSION);
  const edgepush = join(root, 'dist', 'extension.js');
  const production = !readFileSync(edgepush, 'utf8').includes('sourceMappingURL=');
  const load0 = loadavg();
  const ours: Sample[] = [];
  const anchor: Sample[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      // Interleaved, the order alternating: a burst of load on the machine falls on both alike.
      if (i % 2 === 0) {
        ours.push(run(childScript, edgepush, i < 7));
        anchor.push(run(childScript, bare, false));
      } else {
        anchor.push(run(childScript, bare, false));
        ours.push(run(childScript, edgepush, i < 7));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const load1 = loadavg();
  const fmt = (n: number) => `${n.toFixed(1)} ms`;
  const la = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  const wall = (s: Sample) => s.loadMs + s.activateMs;
  const line = (name: string, xs: number[]) =>
    `  ${name.padEnd(30)} median ${fmt(median(xs)).padStart(8)}   (quartiles ${fmt(quantile(xs, 0.25))} – ${fmt(quantile(xs, 0.75))})`;
  console.log(
    `activation of dist/extension.js (${production ? 'production build' : 'dev build: `npm run bench:activation` measures the production one'}; ${ours[0]!.commands} commands registered),`,
  );
  console.log(`${runs} fresh plain-node processes each,`);
  console.log(`interleaved with a bare extension (1 command) as the anchor; ${cpus().length} cores,`);
  console.log(`load average ${la(load0)} before, ${la(load1)} after (1, 5, 15 min)`);
  console.log(
    line(
      'EdgePush load bundle (wall)',
      ours.map((s) => s.loadMs),
    ),
  );
  console.log(
    line(
      'EdgePush activate() (wall)',
      ours.map((s) => s.activateMs),
    ),
  );
  console.log(line('EdgePush total (wall)', ours.map(wall)));
  console.log(
    line(
      'EdgePush total (CPU)',
      ours.map((s) => s.cpuMs),
    ),
  );
  console.log(line('bare extension total (wall)', anchor.map(wall)));
  console.log(
    line(
      'bare extension total (CPU)',
      anchor.map((s) => s.cpuMs),
    ),
  );
  const ownWall = median(ours.map(wall)) - median(anchor.map(wall));
  const ownCpu = median(ours.map((s) => s.cpuMs)) - median(anchor.map((s) => s.cpuMs));
  const cpu = median(ours.map((s) => s.cpuMs));
  const total = median(ours.map(wall));
  // The goal is judged on CPU time: the work activation does. Wall time adds the time the process waited for a
  // core, which is the machine's load, not EdgePush's (on a quiet machine the two agree: wall/CPU ≈ 1).
  const waited = median(ours.map((s) => wall(s) / s.cpuMs));
  console.log(`activation ${fmt(cpu)} CPU median   goal: ≤ ${GOAL_MS} ms ${cpu <= GOAL_MS ? '(met)' : '(NOT met)'}`);
  console.log(
    `  wall ${fmt(total)} median, wall/CPU ${waited.toFixed(1)}${waited > 1.5 ? ': the process waited for a core (machine loaded); judge by CPU' : ''}`,
  );
  console.log(`  of which EdgePush's own (beyond the bare extension): ${fmt(ownCpu)} CPU, ${fmt(ownWall)} wall`);
  const full = ours.filter((s) => s.commandsMs !== undefined);
  console.log(
    `  later, when a command first runs: loading dist/extensionCommands.js median ${fmt(median(full.map((s) => s.commandsMs!)))}`,
  );
  console.log(
    `  later, on first device probe or push: loading dist/extensionWork.js (with cliHeavy.js and agent.js) median ${fmt(median(full.map((s) => s.workMs!)))} (off the activation path)`,
  );
}

main();
