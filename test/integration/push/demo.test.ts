// `edgepush demo` (the README's main command) runs end to end on this machine and cleans up after itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { docker, runCli } from './harness.js';
import { testAddress } from '../../testNet.js';

test('demo: two pushes with their delta reports and the app output, exit 0, nothing left running', async () => {
  const address = testAddress(20, 30);
  const r = await runCli(['demo', '--address', address], 180_000);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.split('\n').filter((l) => l.startsWith(`Delta report for ${address}`)).length, 2, r.stdout);
  assert.match(r.stdout, /\[main\] Hello from EdgePush: first version/);
  assert.match(r.stdout, /\[main\] Hello from EdgePush: second version, pushed as a small delta/);
  assert.match(r.stderr, /5\/6 release \w+ → \w+; main is Running/);
  assert.match(r.stderr, /6\/6 stopping the device/);
  const left = await docker.listContainers({ all: true, filters: JSON.stringify({ label: ['io.edgepush.device=edgepush-demo'] }) });
  assert.deepEqual(left, [], 'the demo removes its containers');
});
