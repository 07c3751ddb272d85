// The codec's inner parts against plain reference code: exact match lengths (every path: short, word-wise,
// chunked memcmp, buffer ends) and the zero-run coding of the diff section (runs of every length, literal
// runs across short zero runs, trailing zeros), and the match index (each position in its bucket, fresh or reused).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteComparer } from '../../../simulator/engine/byteComparer.js';
import { K, WAYS, buildIndex, hashAt, indexedRanges } from '../../../simulator/engine/matchIndex.js';
import { ZeroRunWriter, decodeZeroRuns } from '../../../simulator/engine/zeroRuns.js';
import { prng, randomBytes } from './fixtures.js';

function naiveMatchLen(a: Uint8Array, o: number, b: Uint8Array, s: number): number {
  let l = 0;
  while (o + l < a.length && s + l < b.length && a[o + l] === b[s + l]) l++;
  return l;
}

test('match lengths equal a byte-by-byte comparison, short and long, up to the buffer ends', () => {
  const old = randomBytes(300_000, 11);
  const next = Buffer.concat([old.subarray(1000, 200_000), randomBytes(5, 12), old.subarray(0, 100_000)]);
  for (const at of [5, 77, 190_000, 198_999]) next[at] = next[at]! ^ 1; // mismatches at every distance
  const cmp = new ByteComparer(old, next);
  const r = prng(13);
  const probes: [number, number][] = [
    [1000, 0], // long match (through the chunked path) that stops at a flipped byte
    [1006, 6],
    [1000 + 190_001, 190_001], // a match that runs into the end of a region
    [0, 199_005], // a match that runs to the end of next
    [old.length - 3, 0], // near the end of old
    [old.length, 0], // at the end: nothing
  ];
  for (let i = 0; i < 2000; i++) probes.push([r() % old.length, r() % next.length]);
  for (let i = 0; i < 500; i++) {
    const s = r() % 199_000;
    probes.push([1000 + s, s]); // aligned: long matches of every length
  }
  for (const [o, s] of probes) assert.equal(cmp.matchLen(o, s), naiveMatchLen(old, o, next, s), `matchLen(${o}, ${s})`);
});

test('zero-run coding decodes to exactly the diff written, whatever its runs', () => {
  const r = prng(21);
  for (let round = 0; round < 200; round++) {
    const diff: number[] = [];
    const w = new ZeroRunWriter();
    const pieces = r() % 40;
    for (let p = 0; p < pieces; p++) {
      if (r() % 2) {
        const zeros = [1, 2, 3, 4, 100, 70_000][r() % 6]!;
        w.zeros(zeros);
        for (let k = 0; k < zeros; k++) diff.push(0);
      } else {
        const lits = 1 + (r() % 6);
        for (let k = 0; k < lits; k++) {
          const v = 1 + (r() % 255);
          w.nonZero(v);
          diff.push(v);
        }
      }
    }
    const runs = w.finish();
    assert.equal(w.length, diff.length);
    assert.deepEqual([...decodeZeroRuns(runs, diff.length)], diff, `round ${round}`);
    w.reset();
    assert.equal(w.finish().length, 0, 'reset leaves nothing behind');
  }
});

test('zero-run coding shrinks a sparse diff to about its changed bytes', () => {
  const w = new ZeroRunWriter();
  for (let i = 0; i < 1000; i++) {
    w.zeros(997);
    w.nonZero(0x5a);
  }
  const runs = w.finish();
  assert.equal(w.length, 998_000);
  assert.ok(runs.length <= 4 * 1000, `1000 changed bytes in 1 MB coded in ${runs.length} bytes (two varints and the byte each)`);
});

test('the match index holds every indexed position in its own bucket, the same whether its instance is fresh or reused', () => {
  const check = (old: Uint8Array, sparse: number) => {
    const ranges = indexedRanges(old.length, [[1000, 3000]], [[5000, 9000]]);
    const index = buildIndex(old, ranges, sparse);
    const { shift, tagBits } = index;
    const table = new Int32Array(index.m.memory.buffer, index.table, index.slots);
    const view = new DataView(old.buffer, old.byteOffset, old.length);
    let filled = 0;
    for (let k = 0; k < table.length; k++) {
      const v = table[k]!;
      if (v === 0) continue;
      filled++;
      const p = (v >>> tagBits) - 1;
      assert.ok(p + K <= old.length && !(p >= 1000 && p < 3000), `slot ${k} holds position ${p}, outside what was indexed`);
      const x = hashAt(view, p);
      assert.equal((x >>> shift) * WAYS, k - (k % WAYS), `position ${p} is in bucket ${k >> 2}, its hash says otherwise`);
      assert.equal(v & ((1 << tagBits) - 1), x & ((1 << tagBits) - 1), 'the tag is the hash low bits');
    }
    const copy = Int32Array.from(table);
    index.release();
    return { copy, filled };
  };
  const small = randomBytes(200_000, 31);
  const first = check(small, 0);
  assert.ok(first.filled > 10_000, 'the index holds positions');
  check(randomBytes(3_000_000, 32), 0); // a larger table in the instance meanwhile
  check(randomBytes(50_000, 33), 2);
  const again = check(small, 0);
  assert.deepEqual(again.copy, first.copy, 'built again after others, the table is the same');
});
