// The QMP client (simulator/board/qmp.ts) against a stand-in QEMU monitor on a real Unix socket: the handshake,
// events skipped, an error reply, a silent monitor and a missing socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { qmpCommand } from '../../../simulator/board/qmp.js';

/** A stand-in QEMU monitor: greeting, capabilities, then answers (or ignores) commands. */
function fakeQmp(path: string, answer: (cmd: { execute: string; id?: string }) => object | undefined): Promise<Server> {
  const server = createServer((sock) => {
    sock.write(`${JSON.stringify({ QMP: { version: {}, capabilities: [] } })}\n`);
    let buf = '';
    sock.on('data', (c: Buffer) => {
      buf += c.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const cmd = JSON.parse(buf.slice(0, nl)) as { execute: string; id?: string };
        buf = buf.slice(nl + 1);
        if (cmd.execute === 'qmp_capabilities') sock.write(`${JSON.stringify({ return: {}, id: cmd.id })}\n`);
        else {
          sock.write(`${JSON.stringify({ event: 'POWERDOWN', timestamp: {} })}\n`);
          const a = answer(cmd);
          if (a) sock.write(`${JSON.stringify({ ...a, id: cmd.id })}\n`);
        }
      }
    });
  });
  return new Promise((resolve) => server.listen(path, () => resolve(server)));
}

test('QMP: negotiates capabilities, runs the command and skips events', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'qmp-'));
  const sock = join(dir, 'qmp.sock');
  const seen: string[] = [];
  const server = await fakeQmp(sock, (c) => (seen.push(c.execute), { return: { status: 'running' } }));
  try {
    assert.deepEqual(await qmpCommand(sock, 'query-status'), { status: 'running' });
    assert.deepEqual(seen, ['query-status']);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('QMP: an error reply and a silent monitor both fail with a reason, never hang', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'qmp-'));
  const sock = join(dir, 'qmp.sock');
  const server = await fakeQmp(sock, (c) =>
    c.execute === 'bad' ? { error: { class: 'GenericError', desc: 'no such thing' } } : undefined,
  );
  try {
    await assert.rejects(qmpCommand(sock, 'bad'), /no such thing/);
    await assert.rejects(qmpCommand(sock, 'system_powerdown', undefined, 300), /no answer within/);
    await assert.rejects(qmpCommand(join(dir, 'missing.sock'), 'quit'), /QMP socket/);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
