// The seeds the fuzz harness mutates: honest byte deltas (text, binary, tar pairs; one and several blocks) and
// honest image deltas (with a basis, without, with reused and repeated layers), each with the result it must
// produce; plus the hand-made hostile deltas, whose only right outcome is a refusal. Built in memory, the same
// every run.
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createByteDelta } from '../../simulator/engine/byteDelta.js';
import { createImageDelta } from '../../simulator/engine/imageDelta.js';
import { writeImageArchive } from '../../simulator/engine/imageArchiveWriter.js';
import type { ImageArchive } from '../../simulator/engine/imageArchive.js';
import { makeImage, makeTar, randomBytes, textBytes } from '../unit/engine/fixtures.js';
import { chainedSymlinkTar, deltaOfLayer, duplicatePathTar, literalByteDelta, truncatedTar } from './hostileDeltas.js';

export interface ByteSeed {
  name: string;
  old: Buffer;
  delta: Buffer;
  /** The exact result, or undefined when every outcome but a refusal is wrong. */
  next?: Buffer;
}

export interface ImageSeed {
  name: string;
  delta: Buffer;
  basis?: ImageArchive;
  /** sha256 of the archive an honest apply writes (with CHECK_TAGS), or undefined when only a refusal is right. */
  archiveSha?: string;
}

/**
 * The tags the harness applies with (as a device does: it never uses the names in a delta's header, which no
 * digest covers): the archive then depends only on the image, which is what must come out exactly.
 */
export const CHECK_TAGS = ['fuzz:check'];

const concat = (chunks: Uint8Array[]) => Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)));

async function archiveSha(img: ImageArchive): Promise<string> {
  const h = createHash('sha256');
  const layers = img.layers.map((l) => ({ diffId: l.diffId, size: l.data.length, data: l.data }));
  await pipeline(
    writeImageArchive({ imageId: img.imageId, config: img.config, repoTags: CHECK_TAGS, layers }),
    new Writable({ write: (c: Buffer, _e, cb) => (h.update(c), cb()) }),
  );
  return h.digest('hex');
}

export async function byteSeeds(): Promise<ByteSeed[]> {
  const text = textBytes(20_000, 1);
  const edited = Buffer.concat([text.subarray(0, 7000), Buffer.from('an inserted line\n'), text.subarray(7000, 15_000), textBytes(900, 2)]);
  const bin = randomBytes(12_000, 3);
  const binNext = Buffer.concat([bin.subarray(2000), randomBytes(700, 4), bin.subarray(0, 1500)]);
  const tarOld = await makeTar([
    { name: 'app/a.js', data: textBytes(6000, 5) },
    { name: 'app/b.js', data: textBytes(3000, 6) },
  ]);
  const tarNew = await makeTar([
    { name: 'app/a.js', data: Buffer.concat([textBytes(6000, 5), Buffer.from('// v2\n')]) },
    { name: 'app/c.js', data: textBytes(2000, 7) },
  ]);
  const pairs: [string, Buffer, Buffer][] = [
    ['text edit', text, edited],
    ['binary shuffle', bin, binNext],
    ['tar pair', tarOld, tarNew],
    ['from nothing', Buffer.alloc(0), textBytes(5000, 8)],
    ['to nothing', text.subarray(0, 3000), Buffer.alloc(0)],
  ];
  const seeds: ByteSeed[] = [];
  for (const [name, old, next] of pairs) {
    for (const blockSize of [1 << 20, 4096]) {
      seeds.push({ name: `${name}, blocks of ${blockSize}`, old, next, delta: concat(createByteDelta(old, next, { blockSize }).chunks) });
    }
  }
  const zeros = Buffer.alloc(64 * 1024);
  seeds.push({ name: 'zeros, literal blocks', old: Buffer.alloc(0), next: zeros, delta: literalByteDelta(zeros, 8192) });
  seeds.push({ name: 'lying digest', old: Buffer.alloc(0), delta: literalByteDelta(zeros, 8192, Buffer.alloc(0), true) });
  return seeds;
}

export async function imageSeeds(): Promise<ImageSeed[]> {
  const base = await makeTar([
    { name: 'bin', type: 'directory' },
    { name: 'bin/sh', data: randomBytes(6000, 11) },
    { name: 'bin/ls', type: 'symlink', linkname: 'sh' },
  ]);
  const app1 = await makeTar([{ name: 'app/main.js', data: textBytes(8000, 12) }]);
  const app2 = await makeTar([
    { name: 'app/main.js', data: Buffer.concat([textBytes(8000, 12), Buffer.from('// v2\n')]) },
    { name: 'app/new.txt', data: 'new' },
  ]);
  const basis = makeImage([base, app1], 'local_fuzz:1');
  const target = makeImage([base, app2], 'local_fuzz:2');
  const repeated = makeImage([base, app2, base], 'local_fuzz:3');
  const seeds: ImageSeed[] = [];
  const honest: [string, ImageArchive | undefined, ImageArchive][] = [
    ['update', basis, target],
    ['first push', undefined, target],
    ['repeated layer', basis, repeated],
  ];
  for (const [name, b, t] of honest) {
    const d = await createImageDelta({ basis: b, target: t, estimates: false });
    seeds.push({ name, delta: concat(d.chunks), basis: b, archiveSha: await archiveSha(t) });
  }
  for (const [name, tar] of [
    ['truncated entry', await truncatedTar()],
    ['chained symlinks', await chainedSymlinkTar()],
    ['duplicate path', await duplicatePathTar()],
  ] as const) {
    seeds.push({ name: `hostile: ${name}`, delta: (await deltaOfLayer(tar)).delta });
  }
  return seeds;
}
