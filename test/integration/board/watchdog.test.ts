// The board watchdog against a real HTTP supervisor stand-in that stops answering (the connection is accepted and
// never answered, as a hung guest behind QEMU's port forward does). Its pure judgement is in
// test/unit/board/watchdog.test.ts; the real board (QEMU paused through QMP) in board.test.ts here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeVerdict, watchBoard } from '../../../simulator/board/watchdog.js';
import { testAddress } from '../../testNet.js';

const host = testAddress(41, 1);

test('a supervisor that stops answering is reported as hung, with a power cycle offered', { timeout: 20_000 }, async () => {
  let answered = 0;
  let hang = false;
  let answeredThrice: () => void = () => undefined;
  const thrice = new Promise<void>((r) => (answeredThrice = r));
  const held: ServerResponse[] = [];
  const server = createServer((_req, res) => {
    if (hang) return void held.push(res);
    res.end('OK');
    if (++answered === 3) answeredThrice();
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
    await thrice; // a healthy board is not reported
    hang = true;
    const v = await watching;
    assert.equal(v?.kind, 'hung');
    assert.ok(v.silentSeconds >= 2, `silent for the grace period at least (${v.silentSeconds} s)`);
    assert.match(describeVerdict(v), /board b1 stopped answering .* edgepush board cycle b1/);
  } finally {
    controller.abort();
    for (const r of held) r.destroy();
    server.closeAllConnections();
    server.close();
  }
});

test('watching stops quietly when its signal aborts', { timeout: 20_000 }, async () => {
  const controller = new AbortController();
  let probed: () => void = () => undefined;
  const firstProbe = new Promise<void>((r) => (probed = r));
  const watching = watchBoard({
    board: 'b1',
    address: host,
    pid: null,
    pingUrl: `http://${host}:9/ping`, // nothing listens: every probe fails
    alive: () => {
      probed();
      return true;
    },
    graceMs: 60_000,
    intervalMs: 100,
    signal: controller.signal,
  });
  await firstProbe;
  controller.abort();
  assert.equal(await watching, undefined);
});
