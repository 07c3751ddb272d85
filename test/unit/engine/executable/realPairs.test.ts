// Round trips on real ELF updates, one per architecture (x86-64, aarch64, armhf thumb): the same Debian security
// update built three times (elf.pairs; scripts/setup-elf-pairs.sh fetches them from Debian's archive into
// the cache). The executable transform must find the programs, rebuild new exactly, and beat the plain
// byte delta on each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createByteDelta } from '../../../../simulator/engine/byteDelta.js';
import { appliedInMemory } from '../fixtures.js';
import { planExecutableTransforms } from '../../../../simulator/engine/executable/executableTransform.js';
import { ElfMachine, readElfImage } from '../../../../simulator/engine/executable/elfImage.js';

const dir = process.env.EDGEPUSH_ELF_PAIRS_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'edgepush', 'elf-pairs');
const pairs = { 'xz-amd64': ElfMachine.X86_64, 'xz-arm64': ElfMachine.Aarch64, 'xz-armhf': ElfMachine.Arm };

for (const [name, machine] of Object.entries(pairs)) {
  test(`${name}: the programs are predicted, new is rebuilt exactly, the delta is smaller than without`, async () => {
    const at = join(dir, name);
    assert.ok(existsSync(join(at, 'new.tar')), `${at}/new.tar is missing: run scripts/setup.sh (it fetches the ELF pairs)`);
    const old = readFileSync(join(at, 'old.tar'));
    const next = readFileSync(join(at, 'new.tar'));
    const transforms = planExecutableTransforms(old, next);
    assert.ok(transforms.length >= 1, 'the changed library is paired with its old version');
    for (const t of transforms) assert.equal(readElfImage(old.subarray(t.oldStart, t.oldStart + t.oldLength))?.machine, machine);

    const v2 = createByteDelta(old, next);
    const v1 = createByteDelta(old, next, { executables: false });
    assert.equal(v2.header.version, 2);
    assert.ok(v2.bytes < 0.95 * v1.bytes, `executable-aware ${v2.bytes} bytes vs ${v1.bytes} without`);
    assert.ok((await appliedInMemory(old, v2.chunks)).equals(next), 'apply rebuilds new exactly');
  });

  // Made once by the JavaScript reference scans (6b11ee1), before they became WebAssembly: the device must
  // predict the old programs bit for bit as they did, or these deltas no longer rebuild their targets.
  test(`${name}: a delta made by the earlier JavaScript scans still rebuilds new`, async () => {
    const at = join(dir, name);
    const old = readFileSync(join(at, 'old.tar'));
    const delta = readFileSync(join(__dirname, '..', 'formats', `${name}-v2.delta`));
    assert.equal(delta.readUInt8(8), 2, 'the fixture is a version 2 delta');
    assert.ok((await appliedInMemory(old, delta)).equals(readFileSync(join(at, 'new.tar'))), 'apply rebuilds new exactly');
  });
}
