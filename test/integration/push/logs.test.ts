// `edgepush logs` across a device restart: the stream comes back on its own, marks the reconnect, and no line
// is shown twice; the service's output continues after the gap.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CliSession, projectCopy, runCli, startDevice, type TestDevice } from './harness.js';
import { testAddress } from '../../testNet.js';

/** The "(#n)" counters of hello's lines, in order. */
function counters(out: string): number[] {
  return [...out.matchAll(/Hello from EdgePush: .* \(#(\d+)\)/g)].map((m) => Number(m[1]));
}

describe('logs', () => {
  let dev: TestDevice;
  let hello: Awaited<ReturnType<typeof projectCopy>>;
  before(async () => {
    dev = await startDevice(testAddress(20, 11), 'ep4-logs');
    hello = await projectCopy('examples/hello');
    const r = await runCli(['push', hello.dir, '--device', dev.address, '--detached']);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await dev?.cleanup();
    await hello?.cleanup();
  });

  test('logs follow across a device restart without repeating a line', async () => {
    const logs = new CliSession(['logs', dev.address, '--service', 'main']);
    try {
      await logs.waitFor('two hello lines', (s) => counters(s.stdout).length >= 2);
      await dev.restart();
      await logs.waitFor('the reconnect marker', (s) => s.stderr.includes(`reconnected to ${testAddress(20, 11)}`), 45_000);
      const seenAtReconnect = counters(logs.stdout).length;
      await logs.waitFor('new lines after the restart', (s) => counters(s.stdout).length >= seenAtReconnect + 2, 30_000);
    } finally {
      await logs.stop();
    }
    const lines = logs.stdout.split('\n').filter((l) => l.includes('Hello from EdgePush'));
    assert.equal(new Set(lines).size, lines.length, `a line was shown twice:\n${lines.join('\n')}`);
    const n = counters(logs.stdout);
    // Within one run of the container the counter goes up one step at a time (no line lost); it starts again at 1
    // only if the device restarted the container.
    for (let i = 1; i < n.length; i++) if (n[i] !== 1) assert.equal(n[i], n[i - 1]! + 1, `gap or repeat in ${n.join(',')}`);
    assert.match(logs.stderr, /log stream lost/);
  });

  test('--system shows only system lines; --no-follow exits by itself', async () => {
    const r = await runCli(['logs', dev.address, '--system', '--no-follow']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\[system\]/);
    assert.doesNotMatch(r.stdout, /\[main\]/);
  });
});
