// What decides whether a board may wake from a saved state, and how QEMU is told to load it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { restoreArgs, snapshotKey, type SnapshotKeyInput } from '../../../simulator/board/snapshot.js';

const base: SnapshotKeyInput = {
  imageHash: '5064dce69e735305',
  bundleDigest: 'aaaaaaaaaaaaaaaa',
  boardEnv: 'NAME=board-127-0-0-3\nENGINE_TCP=0\n',
  memoryMiB: 1024,
  cpus: 2,
  accel: 'tcg',
  qemuVersion: 'QEMU emulator version 7.2.22',
  kernelArgs: ['console=ttyS0', 'quiet'],
};

test('a new agent bundle, another board name, memory, CPUs, accelerator or QEMU means another saved state', () => {
  const k = snapshotKey(base);
  assert.equal(snapshotKey({ ...base }), k);
  for (const change of [
    { bundleDigest: 'bbbbbbbbbbbbbbbb' },
    { boardEnv: 'NAME=board-127-0-0-4\nENGINE_TCP=0\n' },
    { memoryMiB: 2048 },
    { cpus: 1 },
    { accel: 'kvm' },
    { qemuVersion: 'QEMU emulator version 8.2.0' },
    { imageHash: '0000000000000000' },
  ]) {
    assert.notEqual(snapshotKey({ ...base, ...change }), k, JSON.stringify(change));
  }
});

test('the saved state is loaded through a decompressing command, its path quoted for the shell', () => {
  assert.deepEqual(restoreArgs({ state: "/c/it's here/vm.lz4" }), ['-incoming', "exec:lz4 -d -q -c '/c/it'\\''s here/vm.lz4'"]);
});
