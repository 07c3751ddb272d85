// The delta's body as it goes to the socket (simulator/push/build/sendDelta.ts, simulator/engine/deltaBytes.ts):
// every byte from the resume offset on, in order, in pieces small enough for progress to follow a slow link,
// the same whether the delta is in memory (chunks) or in its file; and the same digest and reads either way.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { deltaBytesInFile, deltaBytesInMemory, type DeltaBytes } from '../../../simulator/engine/deltaBytes.js';
import { SEND_PIECE_BYTES } from '../../../simulator/push/build/sendDelta.js';

async function pieces(content: DeltaBytes, offset: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const p of content.stream(offset, SEND_PIECE_BYTES)) out.push(p as Buffer);
  return out;
}

const pattern = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

/** Runs `check` over the chunks in memory and over the same bytes in a file. */
async function bothForms(chunks: Uint8Array[], check: (content: DeltaBytes, form: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ep-delta-bytes-'));
  try {
    const all = Buffer.concat(chunks);
    await writeFile(join(dir, 'delta'), all);
    await check(deltaBytesInMemory(chunks), 'in memory');
    await check(deltaBytesInFile(join(dir, 'delta'), all.length), 'in a file');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a large chunk goes out in pieces of at most SEND_PIECE_BYTES, every byte in order', async () => {
  const chunks = [pattern(10, 1), pattern(SEND_PIECE_BYTES * 3 + 5, 2), pattern(7, 3)];
  await bothForms(chunks, async (content, form) => {
    const out = await pieces(content, 0);
    assert.ok(
      out.every((p) => p.length > 0 && p.length <= SEND_PIECE_BYTES),
      `${form}: piece sizes ${out.map((p) => p.length)}`,
    );
    assert.ok(out.length >= 4, `${form}: ${out.length} pieces`);
    assert.deepEqual(Buffer.concat(out), Buffer.concat(chunks), form);
  });
  const inMemory = await pieces(deltaBytesInMemory(chunks), 0);
  assert.equal(inMemory.length, 1 + 4 + 1, 'in memory, pieces are views of the chunks');
});

test('a resumed send starts at the offset, inside a chunk or on its edge', async () => {
  const chunks = [pattern(100, 1), pattern(SEND_PIECE_BYTES + 50, 2), pattern(30, 3)];
  const all = Buffer.concat(chunks);
  await bothForms(chunks, async (content, form) => {
    for (const offset of [0, 1, 99, 100, 101, 100 + SEND_PIECE_BYTES, all.length - 1, all.length]) {
      const out = await pieces(content, offset);
      assert.deepEqual(Buffer.concat(out), all.subarray(offset), `${form}: from ${offset}`);
      assert.ok(out.every((p) => p.length > 0 && p.length <= SEND_PIECE_BYTES));
    }
  });
});

test('the digest and reads of parts are the same in memory and in a file', async () => {
  const chunks = [pattern(1000, 1), pattern(300_000, 2), pattern(5, 3)];
  const all = Buffer.concat(chunks);
  const digest = `sha256:${createHash('sha256').update(all).digest('hex')}`;
  await bothForms(chunks, async (content, form) => {
    assert.equal(content.size, all.length);
    assert.equal(await content.digest(), digest, form);
    for (const [offset, length] of [
      [0, 10],
      [995, 10],
      [1000, 300_000],
      [all.length - 3, 10],
      [all.length, 5],
    ] as const)
      assert.deepEqual(await content.read(offset, length), all.subarray(offset, offset + length), `${form}: ${length} at ${offset}`);
  });
});
