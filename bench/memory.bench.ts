// `npm run bench:memory`: a delta between two ~2 GB layers (generated, bench/../test/unit/engine/largePair.ts),
// created and applied by the engine with its default memory budget, in child processes: peak RSS (VmHWM),
// bytes written to storage (/proc/self/io write_bytes) against the new layer's bytes, CPU and wall seconds.
// Anchors in the same run: xdelta3 with a bounded source window (-B 256 MiB) and zstd --patch-from (which
// holds all of old). bsdiff needs about 17 times its input and is not run. Figures only, no assertions.
// EDGEPUSH_BENCH_LARGE_MB sets the size of each layer (default 2048).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { timed } from './lib/timed.js';
import { writeLargePair } from '../test/unit/engine/largePair.js';

const mb = Number(process.env.EDGEPUSH_BENCH_LARGE_MB ?? 2048);
const dir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'edgepush-bench', `large-${mb}`);
const runner = resolve('test/unit/engine/windowedRunner.ts');
const budget = 256 << 20;

interface Figures {
  peakMB: number;
  writeBytes: number;
  seconds: number;
  cpuSeconds: number;
}

function engine(args: string[]): Figures {
  const r = spawnSync(process.execPath, ['--import', 'tsx', runner, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args[0]} failed: ${r.stderr.slice(0, 800)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Figures;
}

function main(): void {
  mkdirSync(dir, { recursive: true });
  const [oldP, newP] = [join(dir, 'old.tar'), join(dir, 'new.tar')];
  if (!existsSync(newP)) {
    console.log(`generating two ${mb} MB layers in ${dir} ...`);
    writeLargePair(oldP, newP, mb * 2 ** 20);
  }
  const newBytes = statSync(newP).size;
  const work = join(dir, 'work');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work);
  const out = (n: string) => join(work, n);
  try {
    const rows: [string, number | string, number, number, number, string][] = [];
    const c = engine(['create', oldP, newP, out('ep.delta'), String(budget)]);
    rows.push(['EdgePush create (256 MiB budget)', statSync(out('ep.delta')).size, c.seconds, c.cpuSeconds, c.peakMB, `${(c.writeBytes / 2 ** 20).toFixed(0)} MB (the delta)`]);
    const a = engine(['apply', oldP, out('ep.delta'), out('ep.new')]);
    const same = spawnSync('cmp', ['-s', out('ep.new'), newP]).status === 0;
    if (!same) throw new Error('EdgePush apply did not rebuild new');
    rows.push(['EdgePush apply (streamed old)', '', a.seconds, a.cpuSeconds, a.peakMB, `${(a.writeBytes / newBytes).toFixed(3)}x new`]);
    rmSync(out('ep.new'));
    const xd = timed(['xdelta3', '-9', '-B', String(budget), '-f', '-e', '-s', oldP, newP, out('xd')]);
    rows.push(['xdelta3 -9 -B 256 MiB', statSync(out('xd')).size, xd.seconds, xd.cpuSeconds, xd.rssMB, '']);
    const zs = timed(['zstd', '-q', '-f', '-12', '--long=31', `--patch-from=${oldP}`, newP, '-o', out('zst')]);
    rows.push(['zstd --patch-from -12 --long=31', statSync(out('zst')).size, zs.seconds, zs.cpuSeconds, zs.rssMB, '']);
    console.log(`\ntwo generated layers, new ${newBytes} bytes (load: ${spawnSync('uptime', { encoding: 'utf8' }).stdout.trim()})`);
    console.log(`${'method'.padEnd(36)}${'bytes'.padStart(12)}${'seconds'.padStart(9)}${'cpu s'.padStart(8)}${'peak RSS MB'.padStart(13)}  written`);
    for (const [m, bytes, s, cpu, rss, w] of rows) {
      console.log(`${m.padEnd(36)}${String(bytes).padStart(12)}${s.toFixed(1).padStart(9)}${cpu.toFixed(1).padStart(8)}${rss.toFixed(0).padStart(13)}  ${w}`);
    }
    console.log('\ngoals: peak RSS <= 300 MB for create and apply; bytes written by apply <= 1.1x the new layer');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
