import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registryEgress } from '../../../simulator/registry/registryServer.js';

// Lines as Debian's distribution 2.8 writes them (shortened).
const line = (method: string, uri: string, written: number) =>
  `time="2026-12-02T08:50:20Z" level=info msg="response completed" http.request.method=${method} http.request.uri="${uri}" http.response.status=200 http.response.written=${written}`;

test('registry egress sums what responses wrote, by kind, from an offset on; HEADs send no body', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ep-egress-'));
  try {
    const log = join(dir, 'registry.log');
    const first = `${line('GET', '/v2/a/blobs/sha256:1', 1000)}\n`;
    writeFileSync(
      log,
      first +
        [
          line('HEAD', '/v2/a/manifests/v2', 562),
          line('GET', '/v2/a/manifests/v2', 562),
          line('GET', '/v2/a/blobs/sha256:2', 1300),
          'level=info msg="something else"',
        ].join('\n'),
    );
    const all = registryEgress(log);
    assert.equal(all.bytes, 1000 + 562 + 1300);
    const later = registryEgress(log, Buffer.byteLength(first));
    assert.deepEqual(later.byKind, { 'GET manifest': { bytes: 562, requests: 1 }, 'GET blob': { bytes: 1300, requests: 1 } });
    assert.equal(later.requests, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
