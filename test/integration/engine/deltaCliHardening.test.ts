// `edgepush delta` (dist/cli.js) against hostile deltas and interruptions: an output path that cannot be
// written fails before any work; a delta that declares a large result and lies about its digest writes
// nothing; Ctrl-C while writing leaves no hidden temp file; and what a kill -9 left is removed by the next run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { literalByteDelta } from '../../fuzz/hostileDeltas.js';

const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/cli.js', 'delta', ...args], { encoding: 'utf8' });

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'ep-delta-hard-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const temps = async (dir: string) => (await readdir(dir)).filter((f) => f.startsWith('.') && f.endsWith('.tmp'));

/** Runs `delta apply` in the background; `onTemp` is called once the output's temp file appears. */
function applyInBackground(
  args: string[],
  outDir: string,
  onTemp: (pid: number) => void,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const child = spawn(process.execPath, ['dist/cli.js', 'delta', 'apply', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  let seen = false;
  const w = watch(outDir, (_e, name) => {
    if (!seen && name?.endsWith('.tmp')) {
      seen = true;
      onTemp(child.pid!);
    }
  });
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      w.close();
      resolve({ code, signal, stderr });
    });
  });
}

test('an output path that is a directory, or in no folder, fails at once with a usage error', () =>
  withDir(async (dir) => {
    await writeFile(join(dir, 'a'), 'old');
    await writeFile(join(dir, 'b'), 'new');
    await mkdir(join(dir, 'outdir'));
    for (const args of [
      ['create', join(dir, 'a'), join(dir, 'b'), '-o', join(dir, 'outdir')],
      ['create', join(dir, 'a'), join(dir, 'b'), '-o', join(dir, 'missing', 'd')],
      ['apply', join(dir, 'a'), join(dir, 'b'), '-o', join(dir, 'outdir')],
    ]) {
      const r = cli(...args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /is a directory|does not exist/);
    }
  }));

test('a tiny delta that declares 256 MiB and lies about its digest writes nothing', () =>
  withDir(async (dir) => {
    const empty = join(dir, 'empty');
    await writeFile(empty, '');
    const delta = literalByteDelta(Buffer.alloc(256 << 20), 64 << 20, Buffer.alloc(0), true);
    assert.ok(delta.length < 200_000, `a small delta (${delta.length} bytes)`);
    await writeFile(join(dir, 'lie.delta'), delta);
    const out = join(dir, 'out');
    let wrote = false;
    const r = await applyInBackground([empty, join(dir, 'lie.delta'), '-o', out], dir, () => (wrote = true));
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /does not match its target sha256/);
    assert.equal(wrote, false, 'no temp file was ever created');
    assert.deepEqual(await readdir(dir), ['empty', 'lie.delta']);
  }));

test('Ctrl-C while writing removes the unfinished output; what a kill -9 left goes at the next run', () =>
  withDir(async (dir) => {
    const empty = join(dir, 'empty');
    await writeFile(empty, '');
    await writeFile(join(dir, 'zeros.delta'), literalByteDelta(Buffer.alloc(128 << 20), 16 << 20));
    const args = [empty, join(dir, 'zeros.delta'), '-o', join(dir, 'out')];
    const interrupted = await applyInBackground(args, dir, (pid) => process.kill(pid, 'SIGINT'));
    assert.equal(interrupted.code, 130, interrupted.stderr);
    assert.deepEqual(await temps(dir), [], 'no hidden temp file left');

    const killed = await applyInBackground(args, dir, (pid) => process.kill(pid, 'SIGKILL'));
    assert.equal(killed.signal, 'SIGKILL');
    assert.equal((await temps(dir)).length, 1, 'kill -9 leaves its temp file');
    await writeFile(join(dir, 'small.delta'), literalByteDelta(Buffer.from('hello'), 1024));
    const next = cli('apply', empty, join(dir, 'small.delta'), '-o', join(dir, 'out'));
    assert.equal(next.status, 0, next.stderr);
    assert.deepEqual(await temps(dir), [], 'the next run removed it');
  }));
