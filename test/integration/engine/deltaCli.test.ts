// `edgepush delta` as a user runs it (dist/cli.js): create and apply on files, report on image archives, and
// one-line errors with non-zero exit codes for bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { writeImageArchive } from '../../../simulator/engine/imageArchiveWriter.js';
import { imageDeltaReportSchema } from '../../../simulator/engine/deltaReport.js';
import type { ImageArchive } from '../../../simulator/engine/imageArchive.js';
import { makeImage, makeTar, randomBytes, textBytes } from '../../unit/engine/fixtures.js';

const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/cli.js', 'delta', ...args], { encoding: 'utf8' });

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'ep-delta-cli-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const saveArchive = (img: ImageArchive, path: string) =>
  pipeline(writeImageArchive({ ...img, layers: img.layers.map((l) => ({ ...l, size: l.data.length })) }), createWriteStream(path));

test('delta create then apply rebuilds the new file exactly', () =>
  withDir(async (dir) => {
    const old = textBytes(500_000, 1);
    const next = Buffer.concat([old.subarray(0, 200_000), Buffer.from('inserted line\n'), old.subarray(200_000)]);
    await writeFile(join(dir, 'old'), old);
    await writeFile(join(dir, 'new'), next);
    const c = cli('create', join(dir, 'old'), join(dir, 'new'), '-o', join(dir, 'd'));
    assert.equal(c.status, 0, c.stderr);
    assert.ok((await readFile(join(dir, 'd'))).length < 2000);
    const a = cli('apply', join(dir, 'old'), join(dir, 'd'), '-o', join(dir, 'out'));
    assert.equal(a.status, 0, a.stderr);
    assert.ok((await readFile(join(dir, 'out'))).equals(next));
  }));

test('delta create --memory-budget: files larger together than half of it go through a window (the delta says so), and apply rebuilds new', () =>
  withDir(async (dir) => {
    const old = randomBytes(12 << 20, 21);
    const next = Buffer.concat([old.subarray(0, 5 << 20), randomBytes(300_000, 22), old.subarray(5 << 20)]);
    for (let i = 100; i < next.length; i += 1 << 20) next[i] = next[i]! ^ 0x5a;
    await writeFile(join(dir, 'old'), old);
    await writeFile(join(dir, 'new'), next);
    // byte 9 of the header is the window's log2, 0 when the delta was made (and is applied) with both inputs whole
    const windowLog = async (name: string) => (await readFile(join(dir, name)))[9]!;
    const whole = cli('create', join(dir, 'old'), join(dir, 'new'), '-o', join(dir, 'd-whole'));
    assert.equal(whole.status, 0, whole.stderr);
    assert.equal(await windowLog('d-whole'), 0, '24 MB of inputs fit half the default 256 MiB budget');
    const bounded = cli('create', join(dir, 'old'), join(dir, 'new'), '-o', join(dir, 'd'), '--memory-budget', '16MB');
    assert.equal(bounded.status, 0, bounded.stderr);
    assert.equal(await windowLog('d'), 20, 'a 16 MiB budget holds a 1 MiB window of old');
    assert.ok((await readFile(join(dir, 'd'))).length < 600_000, 'the window still finds the unchanged bytes');
    const a = cli('apply', join(dir, 'old'), join(dir, 'd'), '-o', join(dir, 'out'));
    assert.equal(a.status, 0, a.stderr);
    assert.ok((await readFile(join(dir, 'out'))).equals(next));
    for (const bad of ['lots', '1MB']) {
      const r = cli('create', join(dir, 'old'), join(dir, 'new'), '-o', join(dir, 'd2'), '--memory-budget', bad);
      assert.equal(r.status, 2, `--memory-budget ${bad} is a usage error`);
      assert.match(r.stderr, /--memory-budget/);
    }
  }));

test('delta apply against the wrong file fails in one line and writes nothing', () =>
  withDir(async (dir) => {
    // new is old with a stretch rewritten, so the delta takes most of it from old and another file cannot stand in
    const old = randomBytes(10_000, 2);
    await writeFile(join(dir, 'old'), old);
    await writeFile(join(dir, 'new'), Buffer.concat([old.subarray(0, 4000), randomBytes(2000, 3), old.subarray(6000)]));
    await writeFile(join(dir, 'other'), randomBytes(10_000, 4));
    assert.equal(cli('create', join(dir, 'old'), join(dir, 'new'), '-o', join(dir, 'd')).status, 0);
    const a = cli('apply', join(dir, 'other'), join(dir, 'd'), '-o', join(dir, 'out'));
    assert.equal(a.status, 1);
    assert.match(a.stderr, /wrong basis/);
    assert.equal(a.stderr.trim().split('\n').pop()!.startsWith('edgepush delta:'), true);
    assert.deepEqual((await readdir(dir)).sort(), ['d', 'new', 'old', 'other']);
    const garbage = cli('apply', join(dir, 'old'), join(dir, 'new'), '-o', join(dir, 'out'));
    assert.equal(garbage.status, 2);
    assert.match(garbage.stderr, /not an EdgePush delta/);
  }));

test('missing arguments and unknown subcommands are usage errors (exit 2, one line)', () => {
  for (const args of [[], ['create', 'a'], ['create', 'a', 'b'], ['apply', 'a'], ['report', '--from', 'x'], ['frob']]) {
    const r = cli(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  const missing = cli('create', '/nonexistent/a', '/nonexistent/b', '-o', '/tmp/x');
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /does not exist/);
});

test('delta report --json on two image archives', () =>
  withDir(async (dir) => {
    const base = await makeTar([{ name: 'bin/tool', data: randomBytes(100_000, 5) }]);
    const v1 = await makeTar([{ name: 'app/a.js', data: textBytes(60_000, 6) }]);
    const v2 = await makeTar([{ name: 'app/a.js', data: Buffer.concat([textBytes(60_000, 6), Buffer.from('x')]) }]);
    await saveArchive(makeImage([base, v1], 'cli/app:1'), join(dir, 'a.tar'));
    await saveArchive(makeImage([base, v2], 'cli/app:2'), join(dir, 'b.tar'));
    const r = cli('report', '--from', join(dir, 'a.tar'), '--to', join(dir, 'b.tar'), '--json');
    assert.equal(r.status, 0, r.stderr);
    const report = imageDeltaReportSchema.parse(JSON.parse(r.stdout));
    assert.deepEqual(
      report.layers.map((l) => l.status),
      ['shared', 'changed'],
    );
    assert.ok(report.deltaBytes < report.layerPullBytes);
    const table = cli('report', '--from', join(dir, 'a.tar'), '--to', join(dir, 'b.tar'));
    assert.match(table.stdout, /EdgePush delta/);
    assert.match(table.stdout, /librsync/);
  }));
