// The board watchdog's pure parts: its judgement, the console line it quotes, the sentence it reports. Watching a
// real HTTP stand-in that stops answering is in test/integration/board/watchdog.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adviceFor, consoleComplaint, describeVerdict, judge } from '../../../simulator/board/watchdog.js';

test('judge: hung only after the grace period without an answer; a gone QEMU at once', () => {
  const s = { lastAnswer: 1000 };
  assert.equal(judge(s, { ok: false, alive: true, at: 8999 }, 8000).verdict, undefined);
  assert.equal(judge(s, { ok: false, alive: true, at: 9000 }, 8000).verdict, 'hung');
  assert.deepEqual(judge(s, { ok: true, alive: true, at: 9500 }, 8000), { state: { lastAnswer: 9500 } });
  assert.equal(judge(s, { ok: true, alive: false, at: 1001 }, 8000).verdict, 'stopped');
});

test('the console line that explains a hang is quoted', () => {
  const lines = [
    '[   40.1] docker0: port 1(veth1) entered forwarding state',
    '[   71.9] watchdog: BUG: soft lockup - CPU#0 stuck for 71s! [runc:[2:INIT]:411]',
    'edgepush-phase: engine 9.1',
  ];
  assert.equal(consoleComplaint(lines), 'watchdog: BUG: soft lockup - CPU#0 stuck for 71s! [runc:[2:INIT]:411]');
  assert.equal(consoleComplaint(['all quiet']), undefined);
});

test('the verdict reads as one sentence with what to do', () => {
  const hung = describeVerdict({ board: 'b1', address: '127.0.0.5', kind: 'hung', silentSeconds: 6.2, advice: adviceFor('b1', 'hung') });
  assert.match(hung, /^board b1 stopped answering \(no answer from its supervisor for 6.2 s while QEMU runs/);
  assert.match(hung, /\. Power-cycle it: edgepush board cycle b1/);
  const stopped = describeVerdict({
    board: 'b1',
    address: '127.0.0.5',
    kind: 'stopped',
    silentSeconds: 0,
    consoleHint: 'Kernel panic - not syncing',
    advice: adviceFor('b1', 'stopped'),
  });
  assert.match(
    stopped,
    /is no longer running \(QEMU exited\); its console says: Kernel panic - not syncing\. Start it again: edgepush board start b1/,
  );
});
