// The remembered push target: set, pinned, forgotten with its device; each change said through onDidChangeTarget
// (the dashboard listens; Targets writes into no view).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Targets } from '../../../extension/targets.js';
import { DeviceStore } from '../../../extension/devices/deviceStore.js';
import { fakeContext } from './vscodeStub.js';

test('remembering, pinning and removing a target say so; a removed device stops being the target', async () => {
  const storage = mkdtempSync(join(tmpdir(), 'edgepush-targets-'));
  try {
    const store = new DeviceStore();
    const targets = new Targets(fakeContext(storage, storage) as unknown as ConstructorParameters<typeof Targets>[0], store);
    const seen: (string | undefined)[] = [];
    targets.onDidChangeTarget((a) => seen.push(a));
    await targets.addAddress('127.0.0.9');
    await targets.remember('127.0.0.9');
    assert.equal(targets.current, '127.0.0.9');
    await targets.pin('127.0.0.9');
    assert.equal(targets.pinned, '127.0.0.9');
    await targets.removeAddress('127.0.0.9');
    assert.equal(targets.current, undefined);
    assert.equal(targets.pinned, undefined);
    assert.equal(store.get('127.0.0.9'), undefined);
    assert.deepEqual(seen, ['127.0.0.9', '127.0.0.9', undefined]);
    targets.dispose();
  } finally {
    rmSync(storage, { recursive: true, force: true });
  }
});
