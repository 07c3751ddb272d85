import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { extract as tarExtract, pack as tarPack } from 'tar-stream';
import { rewriteBuildContext } from '../../../simulator/device/buildContextRewrite.js';
import { archBaseNames } from '../../../simulator/shared/baseImageNames.js';

async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const p = tarPack();
  for (const [name, text] of Object.entries(files)) p.entry({ name }, text);
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p as unknown as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

async function filesOf(tar: Buffer): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const x = tarExtract();
  x.on('entry', (h, s, next) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: unknown) => chunks.push(c as Buffer));
    s.on('end', () => {
      out[h.name] = Buffer.concat(chunks).toString();
      next();
    });
  });
  await pipeline(Readable.from([tar]), x);
  return out;
}

async function through(input: Buffer, dockerfile: string, seen: string[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  // small chunks, as a socket delivers them
  const parts = Array.from({ length: Math.ceil(input.length / 700) }, (_v, i) => input.subarray(i * 700, (i + 1) * 700));
  const sink = new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c), cb()) });
  await pipeline(
    Readable.from(parts),
    rewriteBuildContext(dockerfile, async (t) => (seen.push(t), archBaseNames(t, 'aarch64'))),
    sink,
  );
  return Buffer.concat(chunks);
}

test('a build context on its way: the named Dockerfile edited, every other file as sent', async () => {
  const big = 'x'.repeat(5000);
  const tar = await tarOf({
    'app/Dockerfile': 'FROM edgepush-base/busybox\nCMD ["sh"]\n',
    Dockerfile: 'FROM edgepush-base/node\n',
    'big.txt': big,
  });
  const seen: string[] = [];
  const out = await filesOf(await through(tar, './app/Dockerfile', seen));
  assert.equal(out['app/Dockerfile'], 'FROM edgepush-base/aarch64-busybox:latest\nCMD ["sh"]\n');
  assert.equal(out.Dockerfile, 'FROM edgepush-base/node\n', 'only the Dockerfile the build names');
  assert.equal(out['big.txt'], big);
  assert.equal(seen.length, 1);
});

test('a gzip-compressed context passes through whole', async () => {
  const gz = gzipSync(await tarOf({ Dockerfile: 'FROM edgepush-base/busybox\n' }));
  const seen: string[] = [];
  assert.deepEqual(await through(gz, 'Dockerfile', seen), gz);
  assert.equal(seen.length, 0);
});
