// The content store conformance suite (after containerd's content testsuite): every store implementation runs
// it through `runContentStoreSuite(name, open)`, where open(root) returns a fresh or reopened store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContentStore, ContentStoreOptions } from '../../../simulator/engine/contentStore.js';
import { EdgePushError } from '../../../simulator/shared/errors.js';
import { randomBytes } from './fixtures.js';

const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export function runContentStoreSuite(name: string, open: (root: string, opts?: ContentStoreOptions) => Promise<ContentStore>): void {
  async function withRoot(fn: (root: string) => Promise<void>) {
    const root = await mkdtemp(join(tmpdir(), 'ep-store-'));
    try {
      await fn(root);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }

  test(`${name}: write, commit, read back by digest`, () =>
    withRoot(async (root) => {
      const s = await open(root);
      const data = randomBytes(100_000, 1);
      const w = await s.writer('ref-a');
      assert.equal(w.offset, 0);
      await w.write(data.subarray(0, 40_000));
      await w.write(data.subarray(40_000));
      const info = await w.commit(data.length, digestOf(data));
      assert.deepEqual(info, { digest: digestOf(data), size: data.length });
      assert.ok((await s.read(digestOf(data))).equals(data));
      assert.deepEqual(await s.list(), [info]);
    }));

  test(`${name}: a commit with the wrong size or digest is refused and nothing is stored`, () =>
    withRoot(async (root) => {
      const s = await open(root);
      const data = randomBytes(5000, 2);
      const w = await s.writer('ref-b');
      await w.write(data);
      await assert.rejects(w.commit(data.length + 1, digestOf(data)), (e: unknown) => EdgePushError.is(e, 'corrupt'));
      await assert.rejects(w.commit(data.length, digestOf(Buffer.from('other'))), (e: unknown) => EdgePushError.is(e, 'corrupt'));
      await assert.rejects(w.commit(data.length, 'md5:abc'), (e: unknown) => EdgePushError.is(e, 'invalid-input'));
      assert.deepEqual(await s.list(), []);
      await w.abort();
    }));

  test(`${name}: an interrupted ingest resumes at its offset, also after reopening the store`, () =>
    withRoot(async (root) => {
      const data = randomBytes(64_000, 3);
      const s1 = await open(root);
      const w1 = await s1.writer('transfer-1');
      await w1.write(data.subarray(0, 25_000));
      await w1.close();
      const s2 = await open(root);
      const w2 = await s2.writer('transfer-1');
      assert.equal(w2.offset, 25_000);
      await w2.write(data.subarray(w2.offset));
      await w2.commit(data.length, digestOf(data));
      assert.ok((await s2.read(digestOf(data))).equals(data));
    }));

  test(`${name}: one writer per ref at a time; abort drops the data`, () =>
    withRoot(async (root) => {
      const s = await open(root);
      const w = await s.writer('busy');
      await assert.rejects(s.writer('busy'), (e: unknown) => EdgePushError.is(e, 'locked'));
      await w.write(Buffer.from('partial'));
      await w.abort();
      const again = await s.writer('busy');
      assert.equal(again.offset, 0);
      await again.abort();
    }));

  test(`${name}: committing content that exists already is a no-op`, () =>
    withRoot(async (root) => {
      const s = await open(root);
      const data = Buffer.from('same content');
      await s.put(data);
      const w = await s.writer('dup');
      await w.write(data);
      await w.commit(data.length, digestOf(data));
      assert.equal((await s.list()).length, 1);
    }));

  test(`${name}: refs point at blobs and gc removes what nothing references`, () =>
    withRoot(async (root) => {
      const s = await open(root);
      const a = await s.put(Buffer.from('a'));
      const b = await s.put(Buffer.from('b'));
      const c = await s.put(Buffer.from('c'));
      await s.setRef('current', a.digest);
      await assert.rejects(s.setRef('broken', digestOf(Buffer.from('missing'))), (e: unknown) => EdgePushError.is(e, 'not-found'));
      assert.equal(await s.getRef('current'), a.digest);
      const removed = await s.gc([b.digest]);
      assert.deepEqual(removed, [c.digest]);
      assert.deepEqual((await s.list()).map((x) => x.digest).sort(), [a.digest, b.digest].sort());
    }));

  test(`${name}: verify reports a blob whose bytes were damaged`, () =>
    withRoot(async (root) => {
      const s = await open(root);
      await s.put(randomBytes(1000, 4));
      const b = await s.put(randomBytes(1000, 5));
      assert.deepEqual(await s.verify(), []);
      await writeFile(s.blobPath(b.digest), randomBytes(1000, 6));
      assert.deepEqual(await s.verify(), [b.digest]);
    }));

  test(`${name}: opening cleans stale ingests and half-written temp files`, () =>
    withRoot(async (root) => {
      const s = await open(root);
      const w = await s.writer('stale');
      await w.write(Buffer.from('left behind'));
      await w.close();
      await mkdir(join(root, 'blobs', 'sha256'), { recursive: true });
      await writeFile(join(root, 'blobs', 'sha256', '.abc.123.tmp'), 'half');
      await open(root, { ingestTtlMs: 0 });
      assert.deepEqual(await readdir(join(root, 'ingest')), []);
      assert.deepEqual(await readdir(join(root, 'blobs', 'sha256')), []);
    }));
}
