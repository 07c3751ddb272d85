// Deltas between large generated tars are created and applied under a 16 MiB memory budget, each in a child
// process whose peak RSS (VmHWM) is read: the windowed codec holds one window of old and one segment of new,
// so four times the input takes the same memory, far below the inputs. Results must match new exactly, and
// apply must write the result once. (The 2 GB case is bench:memory's.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeLargePair } from './largePair.js';

const runner = resolve(__dirname, 'windowedRunner.ts');

function run(args: string[]): { peakMB: number; writeBytes: number } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', runner, ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { peakMB: number; writeBytes: number };
}

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

test('deltas of generated layer pairs of 64 MB and 256 MB, made and applied within a 16 MiB budget: the same peak RSS whatever the size', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ep-bounded-'));
  try {
    const peaks: { create: number; apply: number; inputsMB: number }[] = [];
    for (const mb of [32, 128]) {
      const [oldP, newP, delta, out] = ['old.tar', 'new.tar', 'delta', 'out.tar'].map((n) => join(dir, `${mb}-${n}`)) as [
        string,
        string,
        string,
        string,
      ];
      const { oldBytes, newBytes } = writeLargePair(oldP, newP, mb << 20, 2 << 20);
      const created = run(['create', oldP, newP, delta, String(16 << 20)]);
      const applied = run(['apply', oldP, delta, out, String(16 << 20)]);
      assert.ok(statSync(delta).size < newBytes / 5, `delta ${statSync(delta).size} bytes for ${newBytes} (a few files are new)`);
      assert.equal(sha(out), sha(newP), 'the rebuilt file is new, exactly');
      // apply writes the result once, and nothing else of its size
      assert.ok(applied.writeBytes <= 1.1 * newBytes, `apply wrote ${applied.writeBytes} bytes for ${newBytes}`);
      peaks.push({ create: created.peakMB, apply: applied.peakMB, inputsMB: (oldBytes + newBytes) / 2 ** 20 });
      rmSync(oldP);
      rmSync(newP);
      rmSync(out);
    }
    const [small, large] = peaks as [(typeof peaks)[0], (typeof peaks)[0]];
    for (const k of ['create', 'apply'] as const) {
      // four times the input, about the same memory: half as much again is the garbage collector's timing on a
      // loaded machine (a fixed 32 MB margin was missed by 5 MB at load 9); memory that grew with the input would
      // be several times as much
      assert.ok(
        large[k] < small[k] * 1.5,
        `${k}: peak RSS ${small[k].toFixed(0)} MB for ${small.inputsMB.toFixed(0)} MB of inputs, ${large[k].toFixed(0)} MB for ${large.inputsMB.toFixed(0)} MB`,
      );
      assert.ok(large[k] < large.inputsMB / 1.5, `${k}: peak RSS ${large[k].toFixed(0)} MB, inputs ${large.inputsMB.toFixed(0)} MB`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
