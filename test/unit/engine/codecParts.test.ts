// The codec's inner parts against plain reference code: exact match lengths (every path: short, word-wise,
// chunked memcmp, buffer ends) and the zero-run coding of the diff section (runs of every length, literal
// runs across short zero runs, trailing zeros; added onto old bytes in runs of any length, as apply does, and
// its errors), and the match index (each position in its bucket, fresh or reused).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteComparer } from '../../../simulator/engine/byteComparer.js';
import { K, WAYS, buildIndex, hashAt, indexedRanges } from '../../../simulator/engine/matchIndex.js';
import { ZeroRunReader, ZeroRunWriter, decodeZeroRuns } from '../../../simulator/engine/zeroRuns.js';
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

test('the diff is added onto old bytes exactly, in add runs of any length, coded or raw', () => {
  const r = prng(31);
  for (let round = 0; round < 40; round++) {
    const w = new ZeroRunWriter();
    const diff: number[] = [];
    while (diff.length < 400_000) {
      // long zero and literal runs too: they cross the reader's 64 KiB pieces and its 8-byte sums
      const len = [1, 3, 9, 700, 70_000, 150_000][r() % 6]!;
      const literal = r() % 2 === 0;
      for (let k = 0; k < len; k++) {
        const v = literal ? 1 + (r() % 255) : 0;
        if (v) w.nonZero(v);
        else w.zeros(1);
        diff.push(v);
      }
    }
    const old = randomBytes(diff.length, 100 + round);
    const want = Buffer.from(old.map((b, i) => (b + diff[i]!) & 0xff));
    const coded = w.finish();
    for (const reader of [ZeroRunReader.coded(coded), ZeroRunReader.raw(Uint8Array.from(diff))]) {
      const out = Buffer.from(old);
      for (let o = 0; o < out.length;) {
        const n = Math.min(out.length - o, [0, 1, 5, 64, 4096, 65_537, 300_000][r() % 7]!);
        reader.addTo(out, o, n);
        o += n;
      }
      assert.ok(reader.done, `round ${round}: every byte of the section used`);
      reader.close();
      assert.ok(out.equals(want), `round ${round}: the diff added mod 256`);
    }
  }
});

test('a diff section that does not hold its add runs is a clear error, and the next reader is unaffected', () => {
  const runs = (...bytes: number[]) => Uint8Array.from(bytes);
  const cases: [Uint8Array, number, RegExp][] = [
    [runs(2, 1, 7), 10, /diff section is shorter than its add runs/], // 2 zeros, 1 literal, then nothing
    [runs(0, 5, 1, 2), 5, /literal run past its end/],
    [runs(0x80), 1, /ends inside a number/],
    [runs(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), 1, /oversized number/],
    [runs(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), 1, /oversized number/], // 2^56 - 1: over 2^53
  ];
  for (const [section, len, message] of cases) {
    const reader = ZeroRunReader.coded(section);
    assert.throws(() => reader.addTo(Buffer.alloc(len), 0, len), message);
    reader.close();
    const good = ZeroRunReader.coded(runs(3, 1, 9));
    const out = Buffer.alloc(4, 1);
    good.addTo(out, 0, 4);
    assert.ok(good.done);
    good.close();
    assert.deepEqual([...out], [1, 1, 1, 10]);
  }
  assert.throws(() => decodeZeroRuns(runs(1, 0), 3), /shorter than its add runs/);
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
