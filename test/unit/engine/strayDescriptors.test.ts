// A worker thread ended while it opens files through fs/promises can leave descriptors open that nothing owns
// (Node closes the FileHandles it had made, not one whose open was in flight): the disk space of those files
// stays used until the process exits. closeStrayDescriptors closes the ones on the files it is given, also
// once they are unlinked, and no other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readdir, readlink, realpath, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { Worker } from 'node:worker_threads';
import { closeStrayDescriptors } from '../../../simulator/engine/strayDescriptors.js';

async function openUnder(dir: string): Promise<string[]> {
  const links = await Promise.all((await readdir('/proc/self/fd')).map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
  return links.filter((l) => l.startsWith(dir + sep));
}

/** A worker that opens files in `dir` back to back, keeping them, and says so after its first. */
const opener = (dir: string) => `
  const { open } = require('node:fs/promises');
  const { parentPort } = require('node:worker_threads');
  const kept = [];
  (async () => {
    for (let i = 0; ; i++) {
      kept.push(await open(${JSON.stringify(dir)} + '/f' + (i % 20), 'w'));
      if (i === 0) parentPort.postMessage('opened');
    }
  })();`;

test('descriptors that ended workers left on their files are closed, also on unlinked files; others stay open', async () => {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'ep-stray-')));
  const other = await realpath(await mkdtemp(join(tmpdir(), 'ep-stray-other-')));
  const kept = openSync(join(other, 'kept'), 'w');
  try {
    const ENDED = 20;
    for (let i = 0; i < ENDED; i++) {
      const w = new Worker(opener(dir), { eval: true, trackUnmanagedFds: true });
      await once(w, 'message');
      await w.terminate();
    }
    openSync(join(dir, 'unlinked'), 'w'); // as a worker would leave it, then removed
    await unlink(join(dir, 'unlinked'));
    const left = (await openUnder(dir)).length;
    console.log(`# ${left - 1} descriptors left open by ${ENDED} ended workers, plus one on an unlinked file`);
    assert.equal(await closeStrayDescriptors((p) => p.startsWith(dir + sep)), left, 'each one left is closed');
    assert.deepEqual(await openUnder(dir), [], 'none is left open on the files given');
    assert.deepEqual(await openUnder(other), [join(other, 'kept')], 'a file not given stays open');
  } finally {
    closeSync(kept);
    await rm(dir, { recursive: true, force: true });
    await rm(other, { recursive: true, force: true });
  }
});
