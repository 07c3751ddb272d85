// An image delta between two generated images of about 190 MB each (a shared 64 MB base, a 128 MB app layer
// rebuilt in places) is created from the archive files and applied with the basis read on demand, each in a
// child process under a 16 MiB budget whose peak RSS (VmHWM) is read: far below the images, and the rebuilt
// archive is the target's, digest for digest. Apply writes the archive once. A first push of the same target (no
// basis: its whole 128 MB layer is new) stays within the same bounds, and so does a delta made from the same
// images exported with gzip-compressed layers (as from a containerd image store), and an apply whose basis is
// such an archive or a stream (spooled and inflated to temp files, gone afterwards); a basis layer that does not
// inflate is `corrupt`, with no output and no temp folder left. (The 2 GB case is bench:memory's.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, openSync, readdirSync, readSync, rmSync, statSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeGzipLayerArchive, writeLargeImagePair } from '../../unit/engine/largeImages.js';

const runner = resolve(__dirname, '../../unit/engine/imageDeltaRunner.ts');

interface Figures {
  peakMB: number;
  writeBytes: number;
  imageId: string;
}

function runnerResult(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', runner, ...args], { encoding: 'utf8' });
}

function run(args: string[]): Figures {
  const r = runnerResult(args);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Figures;
}

/** The kind of the engine error a run ended with. */
function runFailing(args: string[]): string {
  const r = runnerResult(args);
  assert.equal(r.status, 3, `expected an engine error: ${r.stdout}${r.stderr}`);
  return (JSON.parse(r.stdout.trim().split('\n').pop()!) as { error: string }).error;
}

/** Overwrites a run of bytes inside the first gzip stream of the archive at `path` (its first layer). */
function corruptFirstGzipLayer(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    const head = Buffer.alloc(1 << 20);
    readSync(fd, head, 0, head.length, 0);
    const at = head.indexOf(Buffer.from([0x1f, 0x8b, 0x08]), 512);
    assert.ok(at > 0, 'a gzip layer near the start');
    writeSync(fd, Buffer.alloc(4096, 0x55), 0, 4096, at + 10_000);
  } finally {
    closeSync(fd);
  }
}

async function sha(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(c as Buffer);
  return h.digest('hex');
}

test('an image delta between two ~190 MB generated images, made and applied within a 16 MiB budget: peak RSS below what holding the images takes, the target rebuilt exactly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ep-large-img-'));
  try {
    const { basis, target, targetId } = await writeLargeImagePair(dir, 64 << 20, 128 << 20);
    const budget = String(16 << 20);
    const delta = join(dir, 'delta');
    const out = join(dir, 'out.tar');
    const created = run(['create', basis, target, delta, budget]);
    assert.equal(created.imageId, targetId);
    assert.ok(statSync(delta).size < (128 << 20) / 5, `delta ${statSync(delta).size} bytes (a few files are new)`);
    const applied = run(['apply', basis, delta, out, budget]);
    assert.equal(applied.imageId, targetId);
    assert.equal(await sha(out), await sha(target), 'the rebuilt archive is the target archive, byte for byte');
    const imageMB = statSync(target).size / 2 ** 20;
    // Node itself takes ~140 MB here, so the line is drawn where holding the images would cross it: an engine that
    // kept basis and target in memory needs more than both archives (2 x ~186 MB); issue 16's goal for 2 GB images
    // is 300 MB (bench:memory measures that case).
    const bounded = (what: string, f: Figures) =>
      assert.ok(
        f.peakMB < 300 && f.peakMB < 2 * imageMB,
        `${what}: peak RSS ${f.peakMB.toFixed(0)} MB for images of ${imageMB.toFixed(0)} MB`,
      );
    bounded('create', created);
    bounded('apply', applied);
    assert.ok(
      applied.writeBytes <= 1.1 * statSync(target).size,
      `apply wrote ${applied.writeBytes} bytes for an archive of ${statSync(target).size}`,
    );
    console.log(`images ${imageMB.toFixed(0)} MB: create peak ${created.peakMB.toFixed(0)} MB, apply peak ${applied.peakMB.toFixed(0)} MB`);

    // a first push: nothing to diff against, the delta is the image compressed, made and applied a block at a time
    rmSync(out);
    const first = run(['create', '-', target, delta, budget]);
    assert.equal(first.imageId, targetId);
    const rebuilt = run(['apply', '-', delta, out, budget]);
    assert.equal(rebuilt.imageId, targetId);
    assert.equal(await sha(out), await sha(target), 'the first push rebuilds the target archive, byte for byte');
    bounded('first push, create', first);
    bounded('first push, apply', rebuilt);
    console.log(
      `first push of ${imageMB.toFixed(0)} MB: create peak ${first.peakMB.toFixed(0)} MB, apply peak ${rebuilt.peakMB.toFixed(0)} MB`,
    );

    // the same images with gzip-compressed layers: inflated to disk, then diffed as above; the delta applies to
    // the uncompressed basis and rebuilds the target
    const [gzBasis, gzTarget] = [join(dir, 'basis.gz.tar'), join(dir, 'target.gz.tar')];
    await writeGzipLayerArchive(basis, gzBasis);
    await writeGzipLayerArchive(target, gzTarget);
    rmSync(out);
    const gz = run(['create', gzBasis, gzTarget, delta, budget]);
    assert.equal(gz.imageId, targetId);
    bounded('gzip layers, create', gz);
    assert.equal(run(['apply', basis, delta, out, budget]).imageId, targetId);
    assert.equal(await sha(out), await sha(target), 'the delta from gzip-layer archives rebuilds the target archive');
    console.log(`gzip-layer archives: create peak ${gz.peakMB.toFixed(0)} MB`);

    // apply whose basis is the gzip-layer archive (inflated file to file) or a stream (spooled): the same
    // target, within the same bounds, nothing left in the folder where the temp files went
    const left = () => readdirSync(dir).filter((n) => n.startsWith('edgepush-apply-') || n.startsWith('.out.tar'));
    const applyFrom = async (what: string, basisArg: string) => {
      rmSync(out, { force: true });
      const f = run(['apply', basisArg, delta, out, budget]);
      assert.equal(f.imageId, targetId, what);
      assert.equal(await sha(out), await sha(target), `${what}: the rebuilt archive is the target archive`);
      bounded(what, f);
      assert.deepEqual(left(), [], `${what}: the temp folder is removed`);
      return f;
    };
    const fromGz = await applyFrom('apply, gzip-layer basis', gzBasis);
    const fromStream = await applyFrom('apply, stream basis', `stream:${basis}`);
    const fromGzStream = await applyFrom('apply, stream of a gzip-layer basis', `stream:${gzBasis}`);
    console.log(
      `apply of ${imageMB.toFixed(0)} MB: gzip-layer basis peak ${fromGz.peakMB.toFixed(0)} MB, stream basis ${fromStream.peakMB.toFixed(0)} MB, ` +
        `stream of a gzip-layer basis ${fromGzStream.peakMB.toFixed(0)} MB`,
    );

    // a basis layer that does not inflate: corrupt, no output, no temp folder
    rmSync(out, { force: true });
    corruptFirstGzipLayer(gzBasis);
    for (const basisArg of [gzBasis, `stream:${gzBasis}`]) {
      assert.equal(runFailing(['apply', basisArg, delta, out, budget]), 'corrupt', basisArg);
      assert.deepEqual(
        readdirSync(dir).filter((n) => n.includes('out.tar')),
        [],
        `${basisArg}: no output written`,
      );
      assert.deepEqual(left(), [], `${basisArg}: no temp folder left`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
