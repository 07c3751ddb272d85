// The delta's body as it goes to the socket (simulator/push/build/sendDelta.ts): every byte from the resume
// offset on, in order, in pieces small enough for progress to follow a slow link.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytesFrom, SEND_PIECE_BYTES } from '../../../simulator/push/build/sendDelta.js';

async function pieces(chunks: Uint8Array[], offset: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const p of bytesFrom(chunks, offset)) out.push(p as Buffer);
  return out;
}

const pattern = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

test('a large chunk goes out in pieces of at most SEND_PIECE_BYTES, every byte in order', async () => {
  const chunks = [pattern(10, 1), pattern(SEND_PIECE_BYTES * 3 + 5, 2), pattern(7, 3)];
  const out = await pieces(chunks, 0);
  assert.ok(
    out.every((p) => p.length > 0 && p.length <= SEND_PIECE_BYTES),
    `piece sizes ${out.map((p) => p.length)}`,
  );
  assert.equal(out.length, 1 + 4 + 1);
  assert.deepEqual(Buffer.concat(out), Buffer.concat(chunks));
});

test('a resumed send starts at the offset, inside a chunk or on its edge', async () => {
  const chunks = [pattern(100, 1), pattern(SEND_PIECE_BYTES + 50, 2), pattern(30, 3)];
  const all = Buffer.concat(chunks);
  for (const offset of [0, 1, 99, 100, 101, 100 + SEND_PIECE_BYTES, all.length - 1, all.length]) {
    const out = await pieces(chunks, offset);
    assert.deepEqual(Buffer.concat(out), all.subarray(offset), `from ${offset}`);
    assert.ok(out.every((p) => p.length > 0 && p.length <= SEND_PIECE_BYTES));
  }
});
