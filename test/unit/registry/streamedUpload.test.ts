// A blob uploaded as a stream (a large image's layer or delta, read from its file) arrives whole, also when the
// registry first answers with a redirect or an auth challenge (the body is opened again for each send), and a
// registry that drops the connection mid-body fails the upload as `unavailable`, naming it, with the file's
// stream closed. The stand-in registry is a node:http server speaking the few upload requests the client makes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { testAddress } from '../../testNet.js';
import { RegistryClient } from '../../../simulator/registry/registryClient.js';
import { parseRegistryAddress } from '../../../simulator/registry/reference.js';
import { EdgePushError } from '../../../simulator/shared/errors.js';

const data = Buffer.alloc(3 << 20, 7);
const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** The body as a file's stream would give it: 256 kB pieces, counting opens and closes. */
function streamed() {
  const counts = { opened: 0, closed: 0 };
  return {
    counts,
    body: {
      size: data.length,
      open: () => {
        counts.opened++;
        const s = Readable.from(
          (function* () {
            for (let at = 0; at < data.length; at += 256 << 10) yield data.subarray(at, at + (256 << 10));
          })(),
        );
        s.on('close', () => counts.closed++);
        return s;
      },
    },
  };
}

async function stand(handle: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void) {
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(parts)));
  });
  server.listen(0, testAddress(97, 2));
  await once(server, 'listening');
  const { address, port } = server.address() as AddressInfo;
  return { server, url: `http://${address}:${port}` };
}

test('a streamed blob arrives whole, through a redirect and an auth challenge', async () => {
  const received: Buffer[] = [];
  let challenged = false;
  const { server, url } = await stand((req, res, body) => {
    const path = req.url ?? '';
    if (req.method === 'HEAD') return res.writeHead(404).end();
    if (req.method === 'POST') return res.writeHead(202, { location: '/v2/app/blobs/uploads/1' }).end();
    if (path.startsWith('/v2/app/blobs/uploads/1')) return res.writeHead(307, { location: path.replace('/1', '/2') }).end();
    if (!challenged) {
      // the first PUT that reaches the upload is challenged, whatever it carried: the client answers and sends again
      challenged = true;
      return res.writeHead(401, { 'www-authenticate': 'Basic realm="stand-in"' }).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
    }
    received.push(body);
    res.writeHead(201).end();
  });
  try {
    const client = new RegistryClient(parseRegistryAddress(url.replace('http://', 'http://u:p@')));
    const s = streamed();
    assert.equal(await client.pushBlob('app', digest, s.body), 'pushed');
    assert.equal(received.length, 1);
    assert.ok(received[0]!.equals(data), 'the bytes arrived whole');
    // once per send: redirected, challenged, then (with the answer, from the upload URL again) redirected, taken
    assert.equal(s.counts.opened, 4);
    assert.equal(s.counts.closed, s.counts.opened, 'every stream of the body is closed');
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('a registry that drops the connection mid-body: unavailable, naming the upload; the body stream closed', async () => {
  const server = createServer((req, res) => {
    if (req.method === 'HEAD') return res.writeHead(404).end();
    if (req.method === 'POST') return res.writeHead(202, { location: '/v2/app/blobs/uploads/1' }).end();
    let got = 0;
    req.on('data', (c: Buffer) => {
      if ((got += c.length) > 1 << 20) req.socket.destroy();
    });
  });
  server.listen(0, testAddress(97, 3));
  await once(server, 'listening');
  const { address, port } = server.address() as AddressInfo;
  try {
    const client = new RegistryClient(parseRegistryAddress(`http://${address}:${port}`));
    const s = streamed();
    await assert.rejects(client.pushBlob('app', digest, s.body), (err: unknown) => {
      assert.ok(EdgePushError.is(err, 'unavailable'), String(err));
      assert.match(err.message, /^uploading blob sha256:[0-9a-f]{12}… to app failed: registry .* does not answer/);
      return true;
    });
    assert.equal(s.counts.closed, s.counts.opened);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test("the blob's own file failing mid-upload is this side's error, naming the upload and the file's error, not a registry that does not answer", async () => {
  let got = 0;
  const { server, url } = await stand((req, res) => {
    if (req.method === 'HEAD') return res.writeHead(404).end();
    if (req.method === 'POST') return res.writeHead(202, { location: '/v2/app/blobs/uploads/1' }).end();
    res.writeHead(201).end();
  });
  server.on('request', (req: IncomingMessage) => req.on('data', (c: Buffer) => (got += c.length)));
  try {
    const client = new RegistryClient(parseRegistryAddress(url));
    let closed = 0;
    const failing = {
      size: data.length,
      // what a file read gives when the file goes away or the disk fails after the first megabyte
      open: () => {
        const s = Readable.from(
          (function* () {
            yield data.subarray(0, 1 << 20);
            throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
          })(),
        );
        s.on('close', () => closed++);
        return s;
      },
    };
    await assert.rejects(client.pushBlob('app', digest, failing), (err: unknown) => {
      assert.ok(EdgePushError.is(err, 'internal'), String(err));
      assert.match(err.message, /^uploading blob sha256:[0-9a-f]{12}… to app failed: reading the body to send failed: EIO/);
      assert.doesNotMatch(err.message, /does not answer/);
      return true;
    });
    assert.equal(closed, 1, "the file's stream is closed");
    assert.ok(got < data.length, 'the registry never received a whole blob');
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
