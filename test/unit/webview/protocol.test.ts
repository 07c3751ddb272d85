import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHostToView, parseViewToHost } from '../../../webview/protocol.js';

test('the view may say ready and send requests with ids; anything else is dropped', () => {
  assert.deepEqual(parseViewToHost({ kind: 'ready', view: 'logs' }), { kind: 'ready', view: 'logs' });
  assert.deepEqual(parseViewToHost({ kind: 'request', id: 3, body: { method: 'restartService', service: 'main' } }), {
    kind: 'request',
    id: 3,
    body: { method: 'restartService', service: 'main' },
  });
  assert.equal(parseViewToHost({ kind: 'request', id: 3, body: { method: 'rm -rf' } }), undefined);
  assert.equal(parseViewToHost({ kind: 'request', id: 1.5, body: { method: 'push' } }), undefined);
  assert.equal(
    parseViewToHost({ kind: 'request', id: 2, body: { method: 'restartService' } }),
    undefined,
    'restartService needs a service',
  );
  assert.equal(parseViewToHost({ kind: 'ready', view: 'other' }), undefined);
  assert.deepEqual(parseViewToHost({ kind: 'loadFailed', view: 'dashboard', load: 2 }), { kind: 'loadFailed', view: 'dashboard', load: 2 });
  assert.equal(parseViewToHost({ kind: 'loadFailed', view: 'dashboard' }), undefined, 'the load it was');
  assert.equal(parseViewToHost('ready'), undefined);
});

test('the host sends responses matched by id and typed notifications', () => {
  assert.deepEqual(parseHostToView({ kind: 'response', id: 3, ok: false, error: 'no device' }), {
    kind: 'response',
    id: 3,
    ok: false,
    error: 'no device',
  });
  const append = parseHostToView({
    kind: 'notify',
    body: { type: 'logs/append', entries: [{ seq: 1, timestamp: 5, kind: 'line', service: 'main', message: 'hi', stderr: true }] },
  });
  assert.equal(append?.kind, 'notify');
  assert.equal(parseHostToView({ kind: 'notify', body: { type: 'logs/append', entries: [{ seq: 1, message: 'no kind' }] } }), undefined);
  assert.ok(parseHostToView({ kind: 'notify', body: { type: 'logs/focus', service: 'main' } }));
  assert.equal(parseHostToView({ kind: 'notify', body: { type: 'logs/focus' } }), undefined);
  const state = parseHostToView({ kind: 'notify', body: { type: 'dashboard/state', state: { history: [], livepush: true } } });
  assert.ok(state);
  assert.equal(parseHostToView({ kind: 'notify', body: { type: 'dashboard/state', state: { history: [] } } }), undefined);
});
