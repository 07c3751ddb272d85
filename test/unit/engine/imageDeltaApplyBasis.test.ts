// The basis of an apply read on demand whatever form it comes in (imageDeltaApplyBasis.ts): a `{ stream }` is
// spooled to a temp file, an archive whose layers are gzip-compressed (a containerd image store's `docker save`)
// is inflated file to file, in a temp folder that is gone however the apply ends; a layer that does not inflate
// is `corrupt`, with no output written. The device's off-thread apply does the same for an export with gzip
// layers; when the deadline ends its worker (mid-spool, or mid-output), no file of the apply is left open or on
// disk, and the stalled export is let go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createImageDeltaFile } from '../../../simulator/engine/imageDeltaFiles.js';
import { applyImageDelta } from '../../../simulator/engine/imageDeltaApply.js';
import { applyImageDeltaOffThread } from '../../../simulator/engine/imageDeltaApplyOffThread.js';
import { holdOrSpool } from '../../../simulator/engine/spoolArchive.js';
import { writeImageArchive } from '../../../simulator/engine/imageArchiveWriter.js';
import type { ImageArchive, ImageSource } from '../../../simulator/engine/imageArchive.js';
import { EdgePushError } from '../../../simulator/shared/errors.js';
import { makeImage, makeTar, randomBytes } from './fixtures.js';
import { writeGzipLayerArchive } from './largeImages.js';

const BUDGET = 4 << 20; // old + new > 2 MiB: the changed layer is windowed, the basis streamed

const archive = (img: ImageArchive, path: string) =>
  pipeline(writeImageArchive({ ...img, layers: img.layers.map((l) => ({ ...l, size: l.data.length })) }), createWriteStream(path));

/** In `dir`: basis.tar, basis.gz.tar (its layers gzip-compressed), target.tar and the delta `d` between them. */
async function setUp(dir: string): Promise<{ targetId: string }> {
  const base = await makeTar([{ name: 'lib/base.bin', data: randomBytes(600_000, 21) }]);
  const files = (v: number) =>
    makeTar(
      Array.from({ length: 12 }, (_, i) => {
        const data = Buffer.from(randomBytes(200_000, 200 + i));
        if (v === 2 && i % 3 === 0) for (let at = 1000; at < data.length; at += 5000) data[at] = data[at]! ^ 0x55;
        return { name: `app/part${i}.bin`, data };
      }),
    );
  const basis = makeImage([base, await files(1)], 'gz/app:1');
  const target = makeImage([base, await files(2)], 'gz/app:2');
  await archive(basis, join(dir, 'basis.tar'));
  await archive(target, join(dir, 'target.tar'));
  await writeGzipLayerArchive(join(dir, 'basis.tar'), join(dir, 'basis.gz.tar'));
  await createImageDeltaFile({
    basis: { archivePath: join(dir, 'basis.tar') },
    target: { archivePath: join(dir, 'target.tar') },
    outputPath: join(dir, 'd'),
    memoryBudget: BUDGET,
  });
  return { targetId: target.imageId };
}

/** What this process has open under `dir`, as /proc/self/fd names it (also files unlinked since). */
async function openUnder(dir: string): Promise<string[]> {
  const links = await Promise.all((await readdir('/proc/self/fd')).map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
  return links.filter((l) => l.startsWith(dir));
}

/** An export that sends the first half of `path` and then stalls (never ends, never fails). */
async function stallingExport(path: string): Promise<Readable> {
  const bytes = await readFile(path);
  const s = new Readable({ read: () => undefined });
  s.push(bytes.subarray(0, bytes.length >> 1));
  return s;
}

/** basis.gz.tar with a run of its first layer's compressed bytes overwritten: that layer does not inflate. */
async function corruptGzipBasis(dir: string): Promise<string> {
  const bad = await readFile(join(dir, 'basis.gz.tar'));
  const at = bad.indexOf(Buffer.from([0x1f, 0x8b, 0x08]), 512);
  bad.fill(0x55, at + 200, at + 400);
  await writeFile(join(dir, 'bad.gz.tar'), bad);
  return join(dir, 'bad.gz.tar');
}

test('apply with a memory budget: a gzip-layer basis archive and stream bases (plain or gzip layers) rebuild the target, temp folder gone', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ep-apply-basis-'));
  try {
    const { targetId } = await setUp(dir);
    const want = await readFile(join(dir, 'target.tar'));
    const work = join(dir, 'work');
    await mkdir(work);
    const bases: [string, () => ImageSource][] = [
      ['gzip-layer archive file', () => ({ archivePath: join(dir, 'basis.gz.tar') })],
      ['stream', () => ({ stream: createReadStream(join(dir, 'basis.tar')) })],
      ['stream of a gzip-layer archive', () => ({ stream: createReadStream(join(dir, 'basis.gz.tar')) })],
    ];
    for (const [what, basis] of bases) {
      const out = join(dir, 'out.tar');
      const r = await applyImageDelta({ delta: join(dir, 'd'), basis: basis(), outputPath: out, memoryBudget: BUDGET, workDir: work });
      assert.equal(r.imageId, targetId, what);
      assert.ok((await readFile(out)).equals(want), `${what}: the rebuilt archive is the target archive`);
      assert.deepEqual(await readdir(work), [], `${what}: the spooled and inflated copies are removed`);
      await rm(out);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a basis layer that does not inflate: corrupt, no output written, no temp folder left (file or stream)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ep-apply-basis-bad-'));
  try {
    await setUp(dir);
    const bad = await corruptGzipBasis(dir);
    const work = join(dir, 'work');
    await mkdir(work);
    for (const basis of [{ archivePath: bad }, { stream: createReadStream(bad) }]) {
      const out = join(dir, 'out.tar');
      await assert.rejects(applyImageDelta({ delta: join(dir, 'd'), basis, outputPath: out, memoryBudget: BUDGET, workDir: work }), (e) =>
        EdgePushError.is(e, 'corrupt'),
      );
      assert.deepEqual(
        (await readdir(dir)).filter((n) => n.includes('out.tar')),
        [],
        'no output, not even a temp file',
      );
      assert.deepEqual(await readdir(work), [], 'no temp folder left');
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a stream is held while within the limit and spooled, whole and in order, beyond it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ep-spool-'));
  try {
    const chunks = Array.from({ length: 10 }, (_, i) => randomBytes(1000, i));
    const whole = Buffer.concat(chunks);
    const read = async (s: NodeJS.ReadableStream) => {
      const parts: Buffer[] = [];
      for await (const c of s) parts.push(Buffer.from(c as Uint8Array));
      return Buffer.concat(parts);
    };
    let spooled = false;
    const path = async () => ((spooled = true), join(dir, 'spool'));
    const held = await holdOrSpool(Readable.from(chunks), whole.length, path);
    assert.ok('stream' in held && !spooled, 'a stream within the limit is held, no file made');
    assert.ok(await read(held.stream).then((b) => b.equals(whole)));
    const file = await holdOrSpool(Readable.from(chunks), 2500, path);
    assert.ok('archivePath' in file && spooled, 'a stream beyond the limit is spooled');
    assert.ok((await readFile(file.archivePath)).equals(whole), 'the spooled file holds every byte, in order');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('off-thread apply: an export with gzip layers is spooled and inflated; when the deadline ends the worker mid-spool or mid-output, nothing is left open or on disk', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ep-apply-basis-off-'));
  try {
    const { targetId } = await setUp(dir);
    const outDir = join(dir, 'out');
    await mkdir(outDir);
    const outputPath = join(outDir, 'image.tar');
    const gz = join(dir, 'basis.gz.tar');
    const r = await applyImageDeltaOffThread({
      deltaPath: join(dir, 'd'),
      outputPath,
      basis: async () => createReadStream(gz),
      memoryBudget: BUDGET,
      deadlineMs: 120_000,
    });
    assert.equal(r.imageId, targetId);
    assert.ok((await readFile(outputPath)).equals(await readFile(join(dir, 'target.tar'))), 'the rebuilt archive is the target archive');
    assert.deepEqual(await readdir(outDir), ['image.tar'], 'only the output is left beside it');
    await rm(outputPath);

    // Every read of the export after the first (the index) stalls halfway. A gzip-layer export: the second read
    // is the spool, into the apply's temp folder. A plain one: layers read on demand, while the output is written.
    for (const [what, basis] of [
      ['mid-spool', gz],
      ['mid-output', join(dir, 'basis.tar')],
    ] as const) {
      let opens = 0;
      const stalled: Readable[] = [];
      let atStall: string[] = [];
      const exported = async (): Promise<NodeJS.ReadableStream> => {
        if (++opens === 1) return createReadStream(basis);
        if (opens === 2) atStall = await readdir(outDir);
        const s = await stallingExport(basis);
        stalled.push(s);
        return s;
      };
      await assert.rejects(
        applyImageDeltaOffThread({ deltaPath: join(dir, 'd'), outputPath, basis: exported, memoryBudget: BUDGET, deadlineMs: 8000 }),
        (e) => EdgePushError.is(e, 'corrupt'),
      );
      assert.ok(opens >= 2, `${what}: the deadline came while a read was stalled`);
      const writing = atStall.filter((n) => n.startsWith('.image.tar.'));
      const spooling = atStall.filter((n) => n.startsWith('edgepush-apply-'));
      assert.equal(writing.length, what === 'mid-output' ? 1 : 0, `${what}: the output was open at the stall: ${atStall.join(', ')}`);
      assert.equal(spooling.length, 1, `${what}: the apply's temp folder was there at the stall`);
      assert.deepEqual(await openUnder(outDir), [], `${what}: no descriptor left open on the output or in the temp folder`);
      assert.deepEqual(await readdir(outDir), [], `${what}: no output, no partial output, no temp folder left`);
      assert.ok(
        stalled.every((s) => s.destroyed),
        `${what}: the stalled exports are let go (the engine's export ends)`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
