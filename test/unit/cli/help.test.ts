// The CLI's front door: help lists every subcommand, usage mistakes are one line and exit code 2.
// Runs the built bundle (dist/cli.js) as a user would; `npm test` builds it first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/cli.js', ...args], { encoding: 'utf8' });

test('--help lists every subcommand', () => {
  const r = cli('--help');
  assert.equal(r.status, 0);
  for (const name of ['device', 'push', 'logs', 'status', 'scan', 'delta', 'board', 'base-images', 'demo']) {
    assert.match(r.stdout, new RegExp(`^  ${name} `, 'm'), `help should list ${name}`);
  }
});

test('an unknown flag is one line on stderr and exit code 2', () => {
  for (const name of ['device', 'push', 'logs', 'status', 'scan', 'delta', 'board', 'base-images', 'demo']) {
    const r = cli(name, '--no-such-flag');
    assert.equal(r.status, 2, `${name}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, `${name} should print one line: ${r.stderr}`);
    assert.match(r.stderr, /--no-such-flag/);
  }
});

test('an unknown command exits 2', () => {
  const r = cli('frobnicate');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
});

test('a subcommand --help shows its usage', () => {
  const r = cli('push', '--help');
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^Usage: edgepush push/);
});
