// The CLI's front door: help lists every subcommand, usage mistakes are one line and exit code 2.
// Runs the built bundle (dist/cli.js) as a user would (an integration test: the integration tier builds it first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/cli.js', ...args], { encoding: 'utf8' });

test('--help, and no arguments at all, list every subcommand and exit 0', () => {
  for (const args of [['--help'], []]) {
    const r = cli(...args);
    assert.equal(r.status, 0);
    for (const name of ['device', 'push', 'logs', 'ssh', 'status', 'scan', 'delta', 'board', 'base-images', 'demo', 'completion']) {
      assert.match(r.stdout, new RegExp(`^  ${name} `, 'm'), `help should list ${name}`);
    }
  }
});

test('--version prints the package version', () => {
  const r = cli('--version');
  assert.equal(r.status, 0);
  assert.equal(r.stdout.trim(), (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version);
});

test('completion bash prints a script bash accepts, with every command', () => {
  const r = cli('completion', 'bash');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(spawnSync('bash', ['-n'], { input: r.stdout }).status, 0);
  for (const name of ['push', 'logs', 'ssh']) assert.match(r.stdout, new RegExp(`${name}\\) opts=`));
  assert.match(r.stdout, /--build-arg/);
  assert.equal(cli('completion', 'fish').status, 2);
});

test('an unknown flag is one line on stderr and exit code 2', () => {
  for (const name of ['device', 'push', 'logs', 'ssh', 'status', 'scan', 'delta', 'board', 'base-images', 'demo', 'completion']) {
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
