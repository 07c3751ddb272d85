// Activation from source with a stand-in `vscode`: every command the manifest declares is registered once,
// the device view and status bar item are created, and disposing the subscriptions unregisters everything; every
// registered id has its implementation in the bundle of commands loaded on first use.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { fakeContext, installVscodeStub, makeVscodeStub, type StubRecord } from './vscodeStub.js';

const root = resolve(__dirname, '..', '..', '..');

test('activate registers every declared command and the device view, and disposes them all', async () => {
  const record: StubRecord = { commands: new Map(), treeViews: [], statusItems: [], messages: [] };
  installVscodeStub(makeVscodeStub(record));
  const storage = mkdtempSync(join(tmpdir(), 'edgepush-activation-'));
  try {
    const ext = (await import('../../../extension/extension.js')) as { activate(c: unknown): unknown };
    const ctx = fakeContext(root, storage);
    ext.activate(ctx);
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      contributes: { commands: { command: string }[]; views: Record<string, { id: string }[]> };
    };
    const declared = manifest.contributes.commands.map((c) => c.command).sort();
    assert.deepEqual([...record.commands.keys()].sort(), declared);
    assert.deepEqual(
      record.treeViews,
      manifest.contributes.views.edgepush!.map((v) => v.id),
    );
    assert.equal(record.statusItems.length, 1);
    assert.equal(record.statusItems[0]?.command, 'edgepush.openDashboard');
    assert.match(record.statusItems[0]?.text ?? '', /no target/);
    for (const d of (ctx.subscriptions as { dispose(): void }[]).reverse()) d.dispose();
    assert.equal(record.commands.size, 0);
    assert.equal(record.statusItems[0]?.disposed, true);
  } finally {
    rmSync(storage, { recursive: true, force: true });
  }
});

test('every command registered at activation has its implementation in the bundle of commands', async () => {
  const { commandIds } = await import('../../../extension/commands/commandIds.js');
  const { commands } = await import('../../../extension/commands/registry.js');
  assert.deepEqual(commands.map((c) => c.id).sort(), [...commandIds].sort());
});
