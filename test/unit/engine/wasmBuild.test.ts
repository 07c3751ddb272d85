// The engine's WebAssembly (the reference scans, executable/wasm/scans.wasm.ts; the match finder,
// wasm/matching.wasm.ts; apply's diff reader, wasm/zeroRuns.wasm.ts) ships compiled ahead of time and
// committed: it must be what its AssemblyScript compiles to now, or a change to the source would never reach a
// device.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

test('the committed WebAssembly (reference scans, match finder, diff reader) is what its source compiles to', () => {
  const root = join(__dirname, '..', '..', '..');
  const run = spawnSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], { cwd: root, encoding: 'utf8' });
  assert.equal(run.status, 0, `scripts/build-wasm.mjs --check: ${run.stderr}`);
});
