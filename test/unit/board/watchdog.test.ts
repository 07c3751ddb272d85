// The board watchdog: its pure judgement, the console line it quotes, and a real HTTP supervisor stand-in that
// stops answering (the connection is accepted and never answered, as a hung guest behind QEMU's port forward does).
// The real board (QEMU paused through QMP) is in test/integration/board/board.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { consoleComplaint, describeVerdict, judge, watchBoard } from '../../../simulator/board/watchdog.js';
import { testAddress } from '../../testNet.js';

const host = testAddress(41, 1);

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

test('a supervisor that stops answering is reported, with a power cycle offered', async () => {
  let hang = false;
  const held: ServerResponse[] = [];
  const server = createServer((_req, res) => {
    if (hang) held.push(res);
    else res.end('OK');
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  const url = `http://${host}:${(server.address() as AddressInfo).port}/ping`;
  const controller = new AbortController();
  try {
    const watching = watchBoard({
      board: 'b1',
      address: host,
      pid: null,
      pingUrl: url,
      alive: () => true,
      graceMs: 2000,
      intervalMs: 200,
      signal: controller.signal,
    });
    await new Promise((r) => setTimeout(r, 600)); // answered a few times
    const hungAt = Date.now();
    hang = true;
    const v = await watching;
    const took = (Date.now() - hungAt) / 1000;
    assert.equal(v?.kind, 'hung');
    assert.ok(took < 6, `reported ${took} s after the hang`);
    assert.match(describeVerdict(v!), /board b1 stopped answering .* edgepush board cycle b1/);
  } finally {
    controller.abort();
    for (const r of held) r.destroy();
    server.closeAllConnections();
    server.close();
  }
});

test('watching stops quietly when its signal aborts', async () => {
  const controller = new AbortController();
  const watching = watchBoard({
    board: 'b1',
    address: host,
    pid: null,
    pingUrl: `http://${host}:9/ping`,
    alive: () => true,
    graceMs: 60_000,
    intervalMs: 100,
    signal: controller.signal,
  });
  setTimeout(() => controller.abort(), 300);
  assert.equal(await watching, undefined);
});
