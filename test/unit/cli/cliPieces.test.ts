// The CLI's pure pieces: --since / --tail, the tail buffer, colour rules, device addresses, completion scripts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { parseSince, parseTail, TailBuffer } from '../../../simulator/cli/logWindow.js';
import { colorWanted, paintFor } from '../../../simulator/cli/colors.js';
import { formatDeviceAddress, parseDeviceAddress } from '../../../simulator/push/deviceAddress.js';
import { bashCompletion, zshCompletion } from '../../../simulator/cli/completionScript.js';
import { deviceAccessOf } from '../../../simulator/cli/deviceAccessFlags.js';
import { formatLogLine } from '../../../simulator/push/format.js';

test('--since takes durations, date-times and Unix seconds', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  assert.equal(parseSince('10m', now), now - 600_000);
  assert.equal(parseSince('1h30m', now), now - 5_400_000);
  assert.equal(parseSince('90s', now), now - 90_000);
  assert.equal(parseSince('2024-05-01T11:00:00Z', now), now - 3_600_000);
  assert.equal(parseSince('1714564800', now), 1714564800_000);
  assert.throws(() => parseSince('yesterday-ish', now), /--since expects/);
});

test('--tail takes a count or all', () => {
  assert.equal(parseTail('5'), 5);
  assert.equal(parseTail('all'), undefined);
  assert.equal(parseTail(undefined), undefined);
  assert.throws(() => parseTail('-3'), /--tail expects/);
});

test('the tail buffer keeps the last N replayed lines and passes live lines straight through', () => {
  const out: number[] = [];
  const b = new TailBuffer<{ timestamp?: number; n: number }>(2, 1000, (l) => out.push(l.n));
  b.push({ n: 0 }); // the stream's greeting, no time
  for (let i = 1; i <= 5; i++) b.push({ timestamp: 100 * i, n: i });
  assert.deepEqual(out, []);
  b.push({ timestamp: 1001, n: 6 });
  assert.deepEqual(out, [4, 5, 6]);
  b.push({ timestamp: 50, n: 7 }); // late, but the buffer is live now
  assert.deepEqual(out, [4, 5, 6, 7]);
  const all: number[] = [];
  const none = new TailBuffer<{ timestamp?: number; n: number }>(undefined, 1000, (l) => all.push(l.n));
  none.push({ timestamp: 1, n: 1 });
  assert.deepEqual(all, [1]);
});

test('colour: on a terminal only, NO_COLOR wins, FORCE_COLOR forces', () => {
  assert.equal(colorWanted({ isTTY: true }, {}), true);
  assert.equal(colorWanted({ isTTY: false }, {}), false);
  assert.equal(colorWanted({ isTTY: true }, { NO_COLOR: '1' }), false);
  assert.equal(colorWanted({ isTTY: true }, { NO_COLOR: '' }), true);
  assert.equal(colorWanted({ isTTY: false }, { FORCE_COLOR: '1' }), true);
  assert.equal(colorWanted({ isTTY: true }, { TERM: 'dumb' }), false);
  const p = paintFor(true);
  assert.equal(p.service('main'), p.service('main'));
  const esc = String.fromCharCode(27);
  assert.ok(p.service('main').startsWith(`${esc}[`) && p.service('main').endsWith(`main${esc}[0m`), p.service('main'));
  assert.equal(paintFor(false).service('main'), 'main');
});

test('log lines are in local time, service coloured when asked', () => {
  const ts = new Date(2024, 4, 1, 13, 2, 3, 45).getTime(); // local time
  assert.equal(formatLogLine({ message: 'hi\n', timestamp: ts, serviceName: 'main' }), '13:02:03.045 [main] hi');
  assert.equal(formatLogLine({ message: 'x', timestamp: ts, isStdErr: true }, { service: (s) => `<${s}>` }), '13:02:03.045 [<system>]! x');
});

test('device addresses: host, host:port, [v6]:port, bare v6', () => {
  assert.deepEqual(parseDeviceAddress('10.0.0.2'), { host: '10.0.0.2', supervisorPort: 48484 });
  assert.deepEqual(parseDeviceAddress('localhost:4848'), { host: 'localhost', supervisorPort: 4848 });
  assert.deepEqual(parseDeviceAddress('[::1]:9000'), { host: '::1', supervisorPort: 9000 });
  assert.deepEqual(parseDeviceAddress('fe80::1'), { host: 'fe80::1', supervisorPort: 48484 });
  assert.equal(formatDeviceAddress({ host: '::1', supervisorPort: 9000 }), '[::1]:9000');
  assert.throws(() => parseDeviceAddress('host:99999'), /port/);
  assert.throws(() => parseDeviceAddress('http://x'), /not a device address/);
});

test('--api-key, else EDGEPUSH_API_KEY; --engine-port checked', () => {
  const args = (values: Record<string, string>) => ({ values, positionals: [] });
  assert.deepEqual(deviceAccessOf(args({}), { EDGEPUSH_API_KEY: 'k1' }), { apiKey: 'k1' });
  assert.deepEqual(deviceAccessOf(args({ 'api-key': 'k2' }), { EDGEPUSH_API_KEY: 'k1' }), { apiKey: 'k2' });
  assert.deepEqual(deviceAccessOf(args({ 'engine-port': '12375' }), {}), { enginePort: 12375 });
  assert.throws(() => deviceAccessOf(args({ 'engine-port': 'x' }), {}), /--engine-port/);
});

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
