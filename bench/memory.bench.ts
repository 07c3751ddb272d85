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
import { writeLargeImagePair } from '../test/unit/engine/largeImages.js';
import { makeImage, makeTar, randomBytes } from '../test/unit/engine/fixtures.js';
import { createImageDelta } from '../simulator/engine/imageDelta.js';
import { writeImageArchive } from '../simulator/engine/imageArchiveWriter.js';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';

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

function engine(args: string[], script = runner): Figures {
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args[0]} failed: ${r.stderr.slice(0, 800)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Figures;
}

/** Bytes an image delta apply writes, complete archive against thin (what the device writes before `docker
 *  load`): a 256 MB image whose top 32 MB layer was rebuilt. */
async function imageWrites(work: string): Promise<void> {
  const base = await makeTar(
    Array.from({ length: 64 }, (_, i) => ({ name: `usr/lib/part${i}.bin`, data: randomBytes(4 << 20, 1000 + i) })),
  );
  const app = (v: number) =>
    makeTar(
      Array.from({ length: 8 }, (_, i) => ({
        name: `app/part${i}.bin`,
        data: Buffer.concat([randomBytes(4 << 20, 2000 + i), Buffer.from(`v${v}`)]),
      })),
    );
  const [app1, app2] = [await app(1), await app(2)];
  const basis = makeImage([base, app1], 'bench/writes:1');
  const target = makeImage([base, app2], 'bench/writes:2');
  await pipeline(
    writeImageArchive({ ...basis, layers: basis.layers.map((l) => ({ ...l, size: l.data.length })) }),
    createWriteStream(join(work, 'basis.tar')),
  );
  await createImageDelta({ basis, target, outputPath: join(work, 'image.delta'), estimates: false });
  const newLayers = app2.length;
  console.log(`\nimage delta apply, 256 MB image, top layer of ${newLayers} bytes rebuilt: bytes written (/proc/self/io)`);
  for (const mode of ['complete', 'thin']) {
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        resolve('bench/lib/imageApplyOnce.ts'),
        join(work, 'basis.tar'),
        join(work, 'image.delta'),
        join(work, `${mode}.tar`),
        mode,
      ],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`image apply failed: ${r.stderr.slice(0, 500)}`);
    const o = JSON.parse(r.stdout.trim().split('\n').pop()!) as { peakMB: number; writeBytes: number };
    console.log(
      `  ${mode.padEnd(9)} archive: ${String(o.writeBytes).padStart(11)} bytes = ${(o.writeBytes / newLayers).toFixed(2)}x the new layer (peak RSS ${o.peakMB.toFixed(0)} MB)`,
    );
  }
  console.log('  (docker load then copies the archive once more into its temp folder before extracting: engine writes not counted)');
}

/** Image deltas between two generated images of about `mb` MB (a shared base and an app layer of half each,
 *  the app layer changed as the layers above): created from the archive files and applied with the basis
 *  archive read on demand, default budget, in child processes. */
async function largeImages(): Promise<void> {
  const imgDir = join(dir, 'images');
  mkdirSync(imgDir, { recursive: true });
  const [basis, target] = [join(imgDir, 'basis.tar'), join(imgDir, 'target.tar')];
  if (!existsSync(target)) {
    console.log(`\ngenerating two ~${mb} MB images in ${imgDir} ...`);
    await writeLargeImagePair(imgDir, (mb / 2) * 2 ** 20, (mb / 2) * 2 ** 20);
  }
  const script = resolve('test/unit/engine/imageDeltaRunner.ts');
  const [delta, out] = [join(imgDir, 'delta'), join(imgDir, 'out.tar')];
  try {
    const c = engine(['create', basis, target, delta, String(budget)], script);
    const a = engine(['apply', basis, delta, out, String(budget)], script);
    if (spawnSync('cmp', ['-s', out, target]).status !== 0) throw new Error('image delta apply did not rebuild the target archive');
    const size = statSync(target).size;
    console.log(
      `\nimage deltas, two generated images, target archive ${size} bytes (load: ${spawnSync('uptime', { encoding: 'utf8' }).stdout.trim()})`,
    );
    console.log(
      `${'method'.padEnd(44)}${'bytes'.padStart(12)}${'seconds'.padStart(9)}${'cpu s'.padStart(8)}${'peak RSS MB'.padStart(13)}  written`,
    );
    const row = (m: string, bytes: string, f: Figures, w: string) =>
      console.log(
        `${m.padEnd(44)}${bytes.padStart(12)}${f.seconds.toFixed(1).padStart(9)}${f.cpuSeconds.toFixed(1).padStart(8)}${f.peakMB.toFixed(0).padStart(13)}  ${w}`,
      );
    row('EdgePush image create (archive files)', String(statSync(delta).size), c, `${(c.writeBytes / 2 ** 20).toFixed(0)} MB`);
    row('EdgePush image apply (basis on demand)', '', a, `${(a.writeBytes / size).toFixed(3)}x the archive`);
    console.log('goal: peak RSS <= 300 MB creating and applying between ~2 GB images');
  } finally {
    rmSync(delta, { force: true });
    rmSync(out, { force: true });
  }
}

async function main(): Promise<void> {
  if (process.env.EDGEPUSH_BENCH_IMAGES_ONLY) return largeImages();
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
    rows.push([
      'EdgePush create (256 MiB budget)',
      statSync(out('ep.delta')).size,
      c.seconds,
      c.cpuSeconds,
      c.peakMB,
      `${(c.writeBytes / 2 ** 20).toFixed(0)} MB (the delta)`,
    ]);
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
    console.log(
      `${'method'.padEnd(36)}${'bytes'.padStart(12)}${'seconds'.padStart(9)}${'cpu s'.padStart(8)}${'peak RSS MB'.padStart(13)}  written`,
    );
    for (const [m, bytes, s, cpu, rss, w] of rows) {
      console.log(
        `${m.padEnd(36)}${String(bytes).padStart(12)}${s.toFixed(1).padStart(9)}${cpu.toFixed(1).padStart(8)}${rss.toFixed(0).padStart(13)}  ${w}`,
      );
    }
    console.log('\ngoals: peak RSS <= 300 MB for create and apply; bytes written by apply <= 1.1x the new layer');
    await imageWrites(work);
    await largeImages();
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

void main();
