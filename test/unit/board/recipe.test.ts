import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recipeHash, x86Recipe } from '../../../simulator/board/recipe.js';
import { boardEnv } from '../../../simulator/board/agentDisk.js';
import { boardNameFor } from '../../../simulator/board/paths.js';

test('the image hash changes with the package list, the init script or the kernel arguments, and only then', () => {
  const h = recipeHash(x86Recipe);
  assert.match(h, /^[0-9a-f]{16}$/);
  assert.equal(recipeHash({ ...x86Recipe }), h);
  assert.notEqual(recipeHash({ ...x86Recipe, packages: [...x86Recipe.packages, 'curl'] }), h);
  assert.notEqual(recipeHash({ ...x86Recipe, kernelArgs: [...x86Recipe.kernelArgs, 'debug'] }), h);
  const init = x86Recipe.files['sbin/edgeinit'];
  assert.ok(init);
  assert.notEqual(recipeHash({ ...x86Recipe, files: { ...x86Recipe.files, 'sbin/edgeinit': { ...init, text: `${init.text}\n` } } }), h);
});

test('the init script starts the agent with the agreed invocation', () => {
  const init = x86Recipe.files['sbin/edgeinit']?.text ?? '';
  assert.match(
    init,
    /node \/opt\/edgepush\/boot\.js \/opt\/edgepush\/cli\.js \S+ \\\s+device --address 0\.0\.0\.0 --local-mode-open --engine unix:\/\/\/run\/docker\.sock/,
  );
  assert.match(init, /--tls=false/);
});

test('board settings refuse names that could break out of the init script', () => {
  assert.equal(boardEnv({ name: 'board-127-0-0-3', engineTcp: false }), 'NAME=board-127-0-0-3\nENGINE_TCP=0\n');
  assert.throws(() => boardEnv({ name: 'x; rm -rf /', engineTcp: false }), /may only hold/);
  assert.throws(() => boardEnv({ name: '$(reboot)', engineTcp: false }), /may only hold/);
  assert.equal(boardNameFor('127.0.0.3'), 'board-127-0-0-3');
});
