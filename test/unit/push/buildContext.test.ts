// Build contexts are streamed: a file larger than any buffer goes through without being read whole, a file that
// cannot be read fails the tar naming it, and local builds are tagged per project.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, openSync, closeSync, ftruncateSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extract } from 'tar-stream';
import { contextArchive, loadContextFilter } from '../../../simulator/push/project/buildContext.js';
import { localBuildTag } from '../../../simulator/push/build/buildServices.js';
import { EdgePushError } from '../../../simulator/shared/errors.js';

test('a 2.5 GB file streams into the context tar (first entries out before it is read whole)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ep-ctx-'));
  try {
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
    const fd = openSync(join(dir, 'big.bin'), 'w');
    ftruncateSync(fd, 2.5e9); // sparse: no disk used
    closeSync(fd);
    const { stream, approxBytes } = await contextArchive(dir, await loadContextFilter(dir, ['Dockerfile']));
    assert.ok(approxBytes > 2.5e9);
    const seen: { name: string; size: number }[] = [];
    const ex = extract();
    ex.on('entry', (h, body, next) => {
      seen.push({ name: h.name, size: h.size ?? 0 });
      body.resume();
      body.on('end', next);
    });
    let read = 0;
    for await (const chunk of stream) {
      read += (chunk as Buffer).length;
      ex.write(chunk as Buffer);
      if (read > 32 << 20) break; // enough: the big file's header and its first bytes are out
    }
    assert.deepEqual(
      seen.map((e) => [e.name, e.size]),
      [
        ['Dockerfile', 13],
        ['big.bin', 2.5e9],
      ],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file that cannot be read whole fails the context naming it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ep-ctx-'));
  try {
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
    writeFileSync(join(dir, 'vanishing.txt'), 'x'.repeat(100_000));
    const { stream } = await contextArchive(dir, await loadContextFilter(dir, ['Dockerfile']));
    rmSync(join(dir, 'vanishing.txt')); // gone between listing and reading
    await assert.rejects(
      (async () => {
        for await (const _ of stream) void _;
      })(),
      (err: unknown) => EdgePushError.is(err, 'invalid-input') && /vanishing\.txt/.test((err as Error).message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('local builds are tagged per project: two projects with a service of the same name never share a tag', () => {
  const a = localBuildTag({ dir: '/home/me/app-one', name: 'app-one' }, 'main');
  const b = localBuildTag({ dir: '/home/me/other/app-one', name: 'app-one' }, 'main');
  assert.match(a, /^edgepush-local\/app-one-[0-9a-f]{8}\/main:latest$/);
  assert.notEqual(a, b);
  assert.equal(localBuildTag({ dir: '/home/me/app-one', name: 'app-one' }, 'main'), a, 'stable for one project');
});
