// Shipping a delta over real HTTP to a stand-in delta endpoint that drops the connection part-way: the sender
// asks where the device stopped and resumes from there with Content-Range; the device ends with the exact bytes,
// whether the delta is in memory or sent from its file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceClient } from '../../../simulator/push/deviceClient.js';
import { deltaIdOf, sendImageDelta } from '../../../simulator/push/build/sendDelta.js';
import type { ImageDelta } from '../../../simulator/engine/imageDelta.js';
import { deltaBytesInFile, deltaBytesInMemory, type DeltaBytes } from '../../../simulator/engine/deltaBytes.js';
import { testAddress } from '../../testNet.js';

const STAND_IN = testAddress(20, 40);

/** The same bytes as a delta in memory and as a delta in its file (as a large image's is sent). */
async function deltaForms(chunks: Uint8Array[], dir: string): Promise<[string, ImageDelta][]> {
  const all = Buffer.concat(chunks);
  await writeFile(join(dir, 'delta'), all);
  const of = (content: DeltaBytes) => ({ bytes: content.size, content, dispose: () => Promise.resolve() }) as unknown as ImageDelta;
  return [
    ['in memory', of(deltaBytesInMemory(chunks))],
    ['in a file', of(deltaBytesInFile(join(dir, 'delta'), all.length))],
  ];
}

test('an interrupted delta upload resumes at the offset the device holds, in memory or from its file', async () => {
  const chunks = Array.from({ length: 8 }, () => randomBytes(64 * 1024));
  const all = Buffer.concat(chunks);
  const digest = `sha256:${createHash('sha256').update(all).digest('hex')}`;
  const dir = await mkdtemp(join(tmpdir(), 'ep-send-delta-'));
  try {
    for (const [form, delta] of await deltaForms(chunks, dir)) await sendCutOnce(form, delta, all, digest);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

async function sendCutOnce(form: string, delta: ImageDelta, all: Buffer, digest: string): Promise<void> {
  let held = Buffer.alloc(0);
  let puts = 0;
  const ranges: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    assert.equal(url.pathname, `/v2/edgepush/deltas/${deltaIdOf(digest)}`);
    if (req.method === 'GET')
      return res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: 'success', complete: false, offset: held.length }));
    puts++;
    ranges.push(String(req.headers['content-range'] ?? ''));
    assert.equal(url.searchParams.get('digest'), digest);
    assert.equal(url.searchParams.get('tag'), 'local_image_main:latest');
    let got = 0;
    req.on('data', (c: Buffer) => {
      // the first attempt is cut after ~150 kB, as a flaky link would
      if (puts === 1 && got + c.length > 150_000) {
        const keep = c.subarray(0, 150_000 - got);
        held = Buffer.concat([held, keep]);
        req.socket.destroy();
        return;
      }
      got += c.length;
      held = Buffer.concat([held, c]);
    });
    req.on('end', () => {
      const ok = createHash('sha256').update(held).digest('hex') === digest.slice(7);
      res.writeHead(ok ? 200 : 400, { 'content-type': 'application/json' }).end(JSON.stringify({ status: ok ? 'success' : 'failed' }));
    });
  });
  await new Promise<void>((r) => server.listen(48484, STAND_IN, () => r()));
  try {
    const sent = await sendImageDelta(new DeviceClient(STAND_IN), delta, { tag: 'local_image_main:latest' });
    assert.equal(puts, 2, `${form}: one interrupted PUT, one resumed`);
    assert.equal(ranges[0], '');
    assert.equal(ranges[1], `bytes 150000-${all.length - 1}/${all.length}`);
    assert.ok(held.equals(all), `${form}: the device holds exactly the delta`);
    assert.ok(sent.sentBytes >= all.length, 'sent bytes count both attempts');
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}
