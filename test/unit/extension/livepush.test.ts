import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Livepush, type LivepushSession } from '../../../extension/push/livepush.js';
import type { PushReport } from '../../../simulator/push/types.js';

const report: PushReport = { device: '127.0.30.41', release: 'r', services: [] };

function fakeStarter() {
  const started: string[] = [];
  const disposed: string[] = [];
  const starter = async (projectDir: string, device: string): Promise<LivepushSession> => {
    started.push(`${projectDir}@${device}`);
    return { projectDir, device, dispose: () => disposed.push(`${projectDir}@${device}`) };
  };
  return { starter, started, disposed };
}

/** Lets the starter's promise and the session's hand-over settle (one turn of the event loop, no clock). */
const settle = () => new Promise((r) => setImmediate(r));

test('livepush starts after a push only when on, and Toggle Livepush resumes it for the last push', async () => {
  const f = fakeStarter();
  const lp = new Livepush(f.starter, () => undefined);
  lp.afterPush('/p', '127.0.30.41', report, false);
  await settle();
  assert.deepEqual(f.started, []);
  assert.equal(lp.resume(), true);
  await settle();
  assert.deepEqual(f.started, ['/p@127.0.30.41']);
  assert.equal(lp.running, true);
  assert.equal(lp.resume(), false, 'already running');
  lp.stop();
  assert.deepEqual(f.disposed, ['/p@127.0.30.41']);
  lp.dispose();
});

test('a new push replaces the running session; disposing stops it', async () => {
  const f = fakeStarter();
  const lp = new Livepush(f.starter, () => undefined);
  lp.afterPush('/a', 'd1', report, true);
  await settle();
  lp.afterPush('/b', 'd2', report, true);
  await settle();
  assert.deepEqual(f.started, ['/a@d1', '/b@d2']);
  assert.deepEqual(f.disposed, ['/a@d1']);
  lp.dispose();
  assert.deepEqual(f.disposed, ['/a@d1', '/b@d2']);
});

test('a failing start is reported, not thrown', async () => {
  const errors: string[] = [];
  const lp = new Livepush(
    async () => Promise.reject(new Error('no container for main')),
    (m) => errors.push(m),
  );
  lp.afterPush('/a', 'd', report, true);
  await settle();
  assert.deepEqual(errors, ['no container for main']);
  assert.equal(lp.running, false);
  lp.dispose();
});
