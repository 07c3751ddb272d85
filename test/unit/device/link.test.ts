// The device's link (simulator/device/link.ts): rates in tc units, and the bytes it lets through counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { parseRate, Link } from '../../../simulator/device/link.js';
import { EdgePushError } from '../../../simulator/shared/errors.js';

test('link rates use tc units', () => {
  assert.equal(parseRate('1mbit'), 125000);
  assert.equal(parseRate('256kbit'), 32000);
  assert.equal(parseRate('500kbps'), 500000);
  assert.equal(parseRate('100'), 100);
  for (const bad of ['', 'fast', '-1mbit', '0', '1 furlong'])
    assert.throws(
      () => parseRate(bad),
      (e) => EdgePushError.is(e, 'invalid-input'),
      bad,
    );
});

test('the link counts what passes through it', async () => {
  const link = new Link();
  const src = new PassThrough();
  const t = link.inbound();
  let got = 0;
  src.pipe(t).pipe(new Writable({ write: (c: Buffer, _e, cb) => ((got += c.length), cb()) }));
  src.end(Buffer.alloc(70000));
  await new Promise((r) => t.on('end', r));
  assert.equal(got, 70000);
  assert.equal(link.receivedBytes, 70000);
});
