// The byte codec: what goes in comes out, small changes give small deltas, tar entries are paired by path,
// and apply refuses a wrong basis (with a conflict, or, when its caller has verified the basis, as a corrupt
// result) when its result misses the target's digest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyByteDelta, applyByteDeltaFrom, createByteDelta, createByteDeltaAsync } from '../../../simulator/engine/byteDelta.js';
import { ByteReader } from '../../../simulator/engine/byteReader.js';
import { EdgePushError } from '../../../simulator/shared/errors.js';
import { appliedInMemory, makeTar, randomBytes, textBytes } from './fixtures.js';

async function roundTrip(old: Buffer, next: Buffer, opts?: Parameters<typeof createByteDelta>[2]) {
  const d = createByteDelta(old, next, opts);
  assert.ok((await appliedInMemory(old, d.chunks)).equals(next), 'apply must rebuild new exactly');
  return d.bytes;
}

test('round trips edge cases: empty old, empty new, tiny inputs, identical inputs', async () => {
  const r = randomBytes(5000, 1);
  await roundTrip(Buffer.alloc(0), r);
  await roundTrip(r, Buffer.alloc(0));
  await roundTrip(Buffer.alloc(0), Buffer.alloc(0));
  await roundTrip(Buffer.from('a'), Buffer.from('b'));
  const same = await roundTrip(r, r);
  assert.ok(same < 200, `identical inputs should cost almost nothing, got ${same}`);
});

test('scattered byte changes in a binary cost far less than the bytes themselves', async () => {
  const old = randomBytes(400_000, 2);
  const next = Buffer.from(old);
  for (let i = 100; i < next.length; i += 997) next[i] = next[i]! ^ 0x5a; // ~400 relocated "addresses"
  const bytes = await roundTrip(old, next);
  assert.ok(bytes < 4000, `delta ${bytes} bytes for 400 scattered changes`);
});

test('insertions and deletions are found as shifted matches', async () => {
  const old = textBytes(300_000, 3);
  const next = Buffer.concat([old.subarray(0, 100_000), randomBytes(1000, 4), old.subarray(150_000)]);
  const bytes = await roundTrip(old, next);
  assert.ok(bytes < 2500, `delta ${bytes} bytes for one insert and one delete`);
});

test('multi-block deltas round trip (small block size)', async () => {
  const old = randomBytes(200_000, 5);
  const next = Buffer.concat([old.subarray(50_000), randomBytes(30_000, 6), old.subarray(0, 50_000)]);
  await roundTrip(old, next, { blockSize: 4096 });
});

test('tar-aware: a changed file is diffed against its old version, moved entries cost little', async () => {
  const files = Array.from({ length: 40 }, (_, i) => ({ name: `app/f${i}.bin`, data: randomBytes(20_000, 100 + i) }));
  const old = await makeTar(files);
  const changed = files.map((f, i) =>
    i === 7 ? { ...f, data: Buffer.concat([f.data.subarray(0, 10_000), Buffer.from('patched'), f.data.subarray(10_000)]) } : f,
  );
  const next = await makeTar([{ name: 'app/new.txt', data: 'hello' }, ...changed.reverse()]);
  const bytes = await roundTrip(old, next);
  assert.ok(bytes < 6000, `delta ${bytes} bytes for one changed file among 40 (800 KB)`);
});

test('a wrong basis is refused with a conflict error, a damaged delta with a corrupt one', async () => {
  // new is old with a stretch rewritten, so the delta copies most of it from old
  const old = randomBytes(300_000, 7);
  const next = Buffer.concat([old.subarray(0, 100_000), randomBytes(20_000, 8), old.subarray(120_000)]);
  const d = createByteDelta(old, next, { blockSize: 64 * 1024 });
  const apply = async (basis: Buffer, chunks: Uint8Array[]) => {
    const blocks: Buffer[] = [];
    const it = applyByteDelta(
      basis,
      (async function* () {
        yield* chunks;
      })(),
    );
    for await (const b of it) blocks.push(b);
    return blocks;
  };
  const other = Buffer.from(old);
  other[5] = other[5]! ^ 1;
  await assert.rejects(
    apply(other, d.chunks),
    (err: unknown) => EdgePushError.is(err, 'conflict') && /wrong basis/.test((err as Error).message),
  );
  // the same bytes with one flipped in the last block's extra section: the basis is right, so the delta is to blame
  const damaged = Buffer.concat(d.chunks);
  damaged[damaged.length - 1] = damaged[damaged.length - 1]! ^ 1;
  await assert.rejects(apply(old, [damaged]), (err: unknown) => EdgePushError.is(err, 'corrupt'));
  assert.ok(Buffer.concat(await apply(old, d.chunks)).equals(next));
});

test('a basis its caller has verified is not hashed again: the right one applies, a wrong one fails at the end', async () => {
  // what an image delta does: its basis layers were checked against their diff ids as they were read
  const old = randomBytes(10_000, 7);
  const next = randomBytes(10_000, 8);
  const d = createByteDelta(old, Buffer.concat([old.subarray(0, 5000), next.subarray(0, 5000)]));
  const apply = async (basis: Buffer) => {
    const reader = new ByteReader(
      (async function* () {
        yield* d.chunks;
      })(),
    );
    const parts: Buffer[] = [];
    for await (const c of applyByteDeltaFrom(basis, reader, undefined, undefined, { basisVerified: true })) parts.push(c);
    return Buffer.concat(parts);
  };
  assert.ok((await apply(old)).equals(Buffer.concat([old.subarray(0, 5000), next.subarray(0, 5000)])));
  const other = Buffer.from(old);
  other[5] = other[5]! ^ 1;
  await assert.rejects(apply(other), (err: unknown) => EdgePushError.is(err, 'corrupt') && /target sha256/.test((err as Error).message));
});

test('bytes that are not a delta are refused as invalid input', async () => {
  const it = applyByteDelta(
    Buffer.alloc(0),
    (async function* () {
      yield Buffer.alloc(200, 1);
    })(),
  );
  await assert.rejects(it.next(), (err: unknown) => EdgePushError.is(err, 'invalid-input'));
});

test('compressing on the thread pool gives the same delta, byte for byte, over several blocks', async () => {
  const old = Buffer.concat([textBytes(300_000, 31), randomBytes(200_000, 32)]);
  const next = Buffer.from(old);
  for (let i = 50; i < next.length; i += 4001) next[i] = next[i]! ^ 0x11;
  const more = Buffer.concat([next, textBytes(50_000, 33)]);
  for (const blockSize of [64 << 10, 32 << 20]) {
    const now = Buffer.concat(createByteDelta(old, more, { blockSize }).chunks);
    const later = Buffer.concat((await createByteDeltaAsync(old, more, { blockSize })).chunks);
    assert.ok(now.equals(later), `block size ${blockSize}: ${now.length} vs ${later.length} bytes`);
  }
});

test('create and apply report progress through new, ending at its size', async () => {
  const old = randomBytes(3_500_000, 41);
  const next = Buffer.from(old);
  for (let i = 7; i < next.length; i += 10_007) next[i] = next[i]! ^ 0x33;
  const seen: [number, number][] = [];
  const d = await createByteDeltaAsync(old, next, { blockSize: 1 << 20, onProgress: (done, total) => seen.push([done, total]) });
  assert.ok(seen.length >= 3, `${seen.length} reports for 3.5 MB`);
  assert.ok(
    seen.every(([done, total], i) => total === next.length && done <= total && (i === 0 || done >= seen[i - 1]![0])),
    'monotonic, within the total',
  );
  assert.deepEqual(seen.at(-1), [next.length, next.length]);
  const applied: number[] = [];
  let bytes = 0;
  for await (const c of applyByteDelta(
    old,
    (async function* () {
      yield* d.chunks;
    })(),
    (done) => applied.push(done),
  ))
    bytes += c.length;
  assert.equal(bytes, next.length);
  assert.deepEqual(applied, [1 << 20, 2 << 20, 3 << 20, next.length], 'once per 1 MiB block');
});
