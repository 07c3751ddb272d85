// The inputs behind the committed delta fixtures in this folder: rebuilt from fixed seeds on every run, so the
// fixtures themselves (made once, with the code of the format version they are named after) stay small.
import { makeImage, makeTar, randomBytes, textBytes } from '../fixtures.js';
import type { ImageArchive } from '../../../../simulator/engine/imageArchive.js';

/** Old and new of the byte-delta fixture: a tar with a changed text file, a changed binary, a new file. */
export async function byteFixturePair(): Promise<{ old: Buffer; next: Buffer }> {
  const bin = randomBytes(60_000, 11);
  const binNext = Buffer.from(bin);
  for (let i = 300; i < binNext.length; i += 701) binNext[i] = binNext[i]! ^ 0x21;
  const text = textBytes(40_000, 12);
  const textNext = Buffer.concat([text.subarray(0, 9_000), Buffer.from('patched line\n'), text.subarray(9_500)]);
  const old = await makeTar([
    { name: 'app/run.bin', data: bin },
    { name: 'app/notes.txt', data: text },
  ]);
  const next = await makeTar([
    { name: 'app/run.bin', data: binNext },
    { name: 'app/notes.txt', data: textNext },
    { name: 'app/new.txt', data: textBytes(3_000, 13) },
  ]);
  return { old, next };
}

/** Basis and target of the image-delta fixture: a shared base layer, a changed app layer, a new layer. */
export async function imageFixturePair(): Promise<{ basis: ImageArchive; target: ImageArchive }> {
  const { old, next } = await byteFixturePair();
  const base = await makeTar([
    { name: 'etc/os-release', data: 'ID=edgepush-fixture\n' },
    { name: 'bin/tool', data: randomBytes(20_000, 14) },
  ]);
  const extra = await makeTar([{ name: 'srv/data.txt', data: textBytes(5_000, 15) }]);
  return { basis: makeImage([base, old], 'fixture:1'), target: makeImage([base, next, extra], 'fixture:2') };
}
