// When the CLI colours its output, and log lines as it prints them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { colorWanted, paintFor } from '../../../simulator/cli/colors.js';
import { formatLogLine } from '../../../simulator/push/format.js';

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
