// The reference scans ship as WebAssembly compiled ahead of time and committed (wasm/scans.wasm.ts): it must be
// what wasm/scans.ts compiles to now, or a change to the source would never reach a device.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

test('the committed WebAssembly of the reference scans is what their source compiles to', () => {
  const root = join(__dirname, '..', '..', '..', '..');
  const run = spawnSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], { cwd: root, encoding: 'utf8' });
  assert.equal(run.status, 0, `scripts/build-wasm.mjs --check: ${run.stderr}`);
});
