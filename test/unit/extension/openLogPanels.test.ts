import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deviceOfState, OPEN_LOG_PANELS_KEY, OpenLogPanels, type StateStore } from '../../../extension/logs/openLogPanels.js';

function memento(): StateStore & { values: Map<string, unknown> } {
  const values = new Map<string, unknown>();
  return {
    values,
    get: (k) => values.get(k),
    update: (k, v) => {
      values.set(k, v);
      return Promise.resolve();
    },
  };
}

test('a restored panel whose page never set its state still finds its device by its title', async () => {
  const store = memento();
  const records = new OpenLogPanels(store);
  await records.remember('Logs: sim-a', '127.0.0.10');
  await records.remember('Logs: board', '127.0.0.11');
  assert.equal(records.deviceOf('Logs: sim-a', undefined), '127.0.0.10');
  assert.equal(records.deviceOf('Logs: board', {}), '127.0.0.11');
  assert.equal(records.deviceOf('Logs: sim-a', { device: '127.0.0.12' }), '127.0.0.12', "the page's state wins");
  assert.equal(records.deviceOf('Logs: other', undefined), undefined);
});

test('closing a panel forgets only its own record', async () => {
  const store = memento();
  const records = new OpenLogPanels(store);
  await records.remember('Logs: x', '127.0.0.10');
  await records.forget('Logs: x', '127.0.0.99');
  assert.equal(records.deviceOf('Logs: x', undefined), '127.0.0.10', 'another device under the same title');
  await records.forget('Logs: x', '127.0.0.10');
  assert.equal(records.deviceOf('Logs: x', undefined), undefined);
  assert.deepEqual(store.values.get(OPEN_LOG_PANELS_KEY), {});
});

test('malformed saved records and states are ignored', () => {
  const store = memento();
  store.values.set(OPEN_LOG_PANELS_KEY, { 'Logs: a': 5, 'Logs: b': '127.0.0.2' });
  const records = new OpenLogPanels(store);
  assert.equal(records.deviceOf('Logs: a', undefined), undefined);
  assert.equal(records.deviceOf('Logs: b', 'junk'), '127.0.0.2');
  store.values.set(OPEN_LOG_PANELS_KEY, 'junk');
  assert.equal(records.deviceOf('Logs: b', undefined), undefined);
  assert.equal(deviceOfState({ device: '' }), undefined);
  assert.equal(deviceOfState(null), undefined);
});
