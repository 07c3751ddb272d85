// A registry client that has finished lets its process end: every answer's connection goes back to the pool,
// including a HEAD answer looked at for its status alone (a manifest that is not there). Before, that one stayed
// in use until the registry closed it, and `edgepush image delta` sat idle for 30 s after printing its result.
// The stand-in registry (a node:http server answering 404) keeps idle connections for two minutes; a leaked one
// holds the child until the client's own 30 s request timeout, past this test's 20 s deadline (about 1 s when
// the connection is released).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { testAddress } from '../../testNet.js';

const client = resolve(__dirname, '../../../simulator/registry/registryClient.ts');
const reference = resolve(__dirname, '../../../simulator/registry/reference.ts');

test(
  'a client that asked for a manifest that is not there exits on its own (its connection was released)',
  { timeout: 20_000 },
  async () => {
    const server = createServer((req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(req.method === 'HEAD' ? undefined : '{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
    });
    server.keepAliveTimeout = 120_000;
    server.listen(0, testAddress(97, 1));
    await once(server, 'listening');
    const { address, port } = server.address() as AddressInfo;
    try {
      const script = `
      const { RegistryClient } = require(${JSON.stringify(client)});
      const { parseRegistryAddress } = require(${JSON.stringify(reference)});
      const c = new RegistryClient(parseRegistryAddress('http://${address}:${port}'));
      c.headManifest('app/web', 'missing').then(async (head) => {
        const again = await c.headManifest('app/web', 'missing');
        process.stdout.write(JSON.stringify([head, again]));
      });`;
      const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 0);
      assert.equal(out, '[null,null]', 'both lookups answered "not there"');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  },
);
