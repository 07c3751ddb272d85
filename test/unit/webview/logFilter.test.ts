import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultFilter, matches, servicesIn } from '../../../webview/logs/logFilter.js';
import { serviceColor, serviceColorIndex, SERVICE_COLORS } from '../../../webview/logs/serviceColors.js';
import type { LogEntry } from '../../../webview/protocol.js';

const line = (service: string, message: string, stderr = false): LogEntry => ({
  seq: 1,
  timestamp: 0,
  kind: 'line',
  service,
  message,
  stderr: stderr || undefined,
});
const system: LogEntry = { seq: 2, timestamp: 0, kind: 'system', message: "Installing service 'main'" };
const reconnect: LogEntry = { seq: 3, timestamp: 0, kind: 'reconnect', message: 'device stopped answering' };

test('hiding a service hides its lines only', () => {
  const f = { ...defaultFilter(), hiddenServices: new Set(['worker']) };
  assert.equal(matches(line('worker', 'x'), f), false);
  assert.equal(matches(line('main', 'x'), f), true);
  assert.equal(matches(system, f), true);
});

test('system lines can be hidden; stderr-only keeps service stderr', () => {
  assert.equal(matches(system, { ...defaultFilter(), showSystem: false }), false);
  const errOnly = { ...defaultFilter(), stderrOnly: true };
  assert.equal(matches(line('main', 'ok'), errOnly), false);
  assert.equal(matches(line('main', 'bad', true), errOnly), true);
  assert.equal(matches(system, errOnly), false);
});

test('reconnect markers always show, whatever the filter', () => {
  assert.equal(matches(reconnect, { hiddenServices: new Set(['main']), showSystem: false, stderrOnly: true, text: 'zzz' }), true);
});

test('the text filter matches messages case-insensitively', () => {
  const f = { ...defaultFilter(), text: 'HELLO' };
  assert.equal(matches(line('main', 'hello world'), f), true);
  assert.equal(matches(line('main', 'bye'), f), false);
});

test('services are listed once, sorted; each keeps the same colour', () => {
  assert.deepEqual(servicesIn([line('web', 'a'), line('db', 'b'), line('web', 'c'), system], ['api']), ['api', 'db', 'web']);
  assert.equal(serviceColor('web'), serviceColor('web'));
  assert.ok(serviceColorIndex('web') < SERVICE_COLORS.length);
  const distinct = new Set(['main', 'web', 'db', 'worker', 'api', 'cache'].map(serviceColorIndex));
  assert.ok(distinct.size >= 3, 'common names spread over the palette');
});

test('gap notices (lines lost to a flood or a slow reader) always show, whatever the filter', () => {
  const gap: LogEntry = { seq: 4, timestamp: 0, kind: 'gap', service: 'main', message: '120 log lines dropped (slow reader)' };
  assert.equal(matches(gap, { hiddenServices: new Set(['main']), showSystem: false, stderrOnly: true, text: 'zzz' }), true);
});
