// Activation cost of the bundled extension (dist/extension.js): the time to load the bundle and run activate()
// with a stand-in `vscode` module, in a fresh Node process each time (as the extension host loads it once).
// Run on the production build (`npm run package` makes it); `npm run bench:activation` builds the dev bundle.
// Anchor: activation ≤ 100 ms (issue #5). Figures are printed, never asserted. `npm run bench:activation`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fakeContext, installVscodeStub, makeVscodeStub, type StubRecord } from '../test/unit/extension/vscodeStub.js';

const root = resolve(__dirname, '..');
const RUNS = 7;

function child(): void {
  const record: StubRecord = { commands: new Map(), treeViews: [], statusItems: [], messages: [] };
  installVscodeStub(makeVscodeStub(record));
  const storage = mkdtempSync(join(tmpdir(), 'edgepush-bench-'));
  const ctx = fakeContext(root, storage);
  const t0 = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ext = require(join(root, 'dist', 'extension.js')) as { activate(c: unknown): unknown };
  const t1 = performance.now();
  ext.activate(ctx);
  const t2 = performance.now();
  const commands = record.commands.size;
  // Not part of activation: the commands and panels, loaded when a command first runs, and the heavy half, loaded
  // when a device is first probed or a push starts.
  const tc = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(join(root, 'dist', 'extensionCommands.js'));
  const commandsMs = performance.now() - tc;
  const t3 = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(join(root, 'dist', 'extensionWork.js'));
  const workMs = performance.now() - t3;
  for (const d of (ctx.subscriptions as { dispose(): void }[]).reverse()) d.dispose();
  rmSync(storage, { recursive: true, force: true });
  process.stdout.write(JSON.stringify({ loadMs: t1 - t0, activateMs: t2 - t1, commands, commandsMs, workMs }) + '\n');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function main(): void {
  const runs: { loadMs: number; activateMs: number; commands: number; commandsMs: number; workMs: number }[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--child'], { encoding: 'utf8', cwd: root });
    if (r.status !== 0) {
      console.error(r.stderr);
      process.exit(1);
    }
    runs.push(JSON.parse(r.stdout.trim().split('\n').pop()!));
  }
  const total = runs.map((r) => r.loadMs + r.activateMs);
  const fmt = (n: number) => `${n.toFixed(1)} ms`;
  console.log(`activation of dist/extension.js, ${RUNS} fresh processes (${runs[0]!.commands} commands registered):`);
  console.log(`  load bundle   median ${fmt(median(runs.map((r) => r.loadMs)))}`);
  console.log(`  activate()    median ${fmt(median(runs.map((r) => r.activateMs)))}`);
  console.log(
    `  total         median ${fmt(median(total))}  (min ${fmt(Math.min(...total))}, max ${fmt(Math.max(...total))})   anchor: ≤ 100 ms`,
  );
  console.log(`  later, when a command first runs: loading dist/extensionCommands.js median ${fmt(median(runs.map((r) => r.commandsMs)))}`);
  console.log(
    `  later, on first device probe or push: loading dist/extensionWork.js (with cliHeavy.js and agent.js) median ${fmt(median(runs.map((r) => r.workMs)))} (off the activation path)`,
  );
}

if (process.argv.includes('--child')) child();
else main();
