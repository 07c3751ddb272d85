// Power cut while committing: a child commits blobs and moves a ref; SIGKILL lands at random points. After
// each cut the store verifies, and `current` names either the last generation reported or the next one,
// complete.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContentStore } from '../../../simulator/engine/contentStore.js';
import { prng } from '../../unit/engine/fixtures.js';
import { generation } from './storeGenerations.js';

const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function runAndKill(root: string, start: number, killAfterMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'storeCommitter.ts'), root, String(start)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let last = start - 1;
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (s: string) => {
      for (const m of s.matchAll(/committed (\d+)/g)) last = Number(m[1]);
      timer ??= setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`committer exited on its own (code ${code})`));
      else resolve(last);
    });
  });
}

test('kill -9 at random points while committing: the store verifies and holds old or complete new content', async () => {
  const root = await mkdtemp(join(tmpdir(), 'ep-store-crash-'));
  try {
    const r = prng(0x6b696c6c);
    let next = 1;
    for (let round = 0; round < 8; round++) {
      const last = await runAndKill(root, next, 5 + (r() % 300));
      const store = await ContentStore.open(root, { ingestTtlMs: 0 });
      assert.deepEqual(await store.verify(), [], `round ${round}: every blob must match its digest`);
      const current = await store.getRef('current');
      assert.ok(current, `round ${round}: current must point at a blob`);
      const candidates = [last, last + 1].map((n) => ({ n, digest: digestOf(generation(n)) }));
      const hit = candidates.find((c) => c.digest === current);
      assert.ok(hit, `round ${round}: current must be generation ${last} or ${last + 1}`);
      assert.ok((await store.read(current)).equals(generation(hit.n)));
      next = hit.n + 1;
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
