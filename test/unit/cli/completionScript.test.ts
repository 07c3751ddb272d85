// Shell completion scripts: every command and its flags; bash parses and runs the script.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { bashCompletion, zshCompletion } from '../../../simulator/cli/completionScript.js';

test('completion scripts name every command and its flags; bash parses the script', () => {
  const entries = [
    { name: 'push', summary: 'build: and run', flags: ['--device', '--nocache'] },
    { name: 'logs', summary: 'logs', flags: ['--follow', '-f'] },
  ];
  const bash = bashCompletion(entries);
  assert.match(bash, /push\) opts='--device --nocache --help'/);
  assert.match(bash, /complete .* edgepush/);
  assert.equal(spawnSync('bash', ['-n'], { input: bash }).status, 0);
  const zsh = zshCompletion(entries);
  assert.match(zsh, /^#compdef edgepush/);
  assert.match(zsh, /'push:build\\: and run'/);
  // Completing `edgepush logs --f` in a real bash gives --follow.
  const r = spawnSync('bash', ['-c', `${bash}\nCOMP_WORDS=(edgepush logs --f); COMP_CWORD=2; _edgepush; echo "\${COMPREPLY[*]}"`], {
    encoding: 'utf8',
  });
  assert.equal(r.stdout.trim(), '--follow');
});
