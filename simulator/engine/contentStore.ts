// A content-addressed store (containerd's model): blobs live at blobs/sha256/<hex>; they are written through
// an ingest named by a caller's ref (resumable: a writer reopened with the same ref continues at its offset),
// and committed only after the size and sha256 check out: fsync the data, rename it into place, fsync the
// directory. Named refs (`setRef`) point at blobs and are replaced atomically. A crash at any point leaves
// every blob complete and every ref pointing at the old or the new blob.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { commitFileAtomically, fsyncPath } from './atomicFile.js';
import { conflict, corrupt, invalidInput, locked, notFound } from '../shared/errors.js';

export interface BlobInfo {
  digest: string;
  size: number;
}

const digestRe = /^sha256:([0-9a-f]{64})$/;
const refRe = /^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,200}$/;

function hexOf(digest: string): string {
  const m = digestRe.exec(digest);
  if (!m) throw invalidInput(`not a sha256 digest: ${digest}`);
  return m[1]!;
}

const refDir = (ref: string) => createHash('sha256').update(ref).digest('hex');

export class ContentWriter {
  private closed = false;
  constructor(
    private readonly store: ContentStore,
    readonly ref: string,
    private readonly dir: string,
    private readonly fh: FileHandle,
    private readonly hash: Hash,
    /** Bytes already held for this ref: resume the transfer here. */
    public offset: number,
  ) {}

  async write(chunk: Uint8Array): Promise<void> {
    if (this.closed) throw conflict(`writer for ${this.ref} is closed`);
    await this.fh.write(chunk, 0, chunk.length, this.offset);
    this.hash.update(chunk);
    this.offset += chunk.length;
  }

  /** Verifies size and digest, then moves the data into the store. Idempotent if the blob exists already. */
  async commit(size: number, digest: string): Promise<BlobInfo> {
    hexOf(digest);
    if (this.offset !== size) throw corrupt(`${this.ref}: ${this.offset} bytes written, expected ${size}`);
    const actual = `sha256:${this.hash.copy().digest('hex')}`;
    if (actual !== digest) throw corrupt(`${this.ref}: content is ${actual}, expected ${digest}`);
    await this.fh.sync();
    await this.close();
    const target = this.store.blobPath(digest);
    if (!(await this.store.info(digest))) {
      await rename(join(this.dir, 'data'), target);
      await fsyncPath(join(this.store.root, 'blobs', 'sha256'));
    }
    await rm(this.dir, { recursive: true, force: true });
    this.store.release(this.ref);
    return { digest, size };
  }

  /** Drops the ingest and its data. */
  async abort(): Promise<void> {
    await this.close();
    await rm(this.dir, { recursive: true, force: true });
    this.store.release(this.ref);
  }

  /** Closes without committing; the data stays for a later writer with the same ref. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fh.close();
    this.store.release(this.ref);
  }
}

export interface ContentStoreOptions {
  /** Ingests untouched for longer than this are removed when the store opens (default one day; 0: all). */
  ingestTtlMs?: number;
}

export class ContentStore {
  private readonly active = new Set<string>();

  private constructor(readonly root: string) {}

  /** Opens (creating) a store, removing stale ingests and half-written temp files left by a crash. */
  static async open(root: string, opts: ContentStoreOptions = {}): Promise<ContentStore> {
    const s = new ContentStore(root);
    await mkdir(join(root, 'blobs', 'sha256'), { recursive: true });
    await mkdir(join(root, 'ingest'), { recursive: true });
    await mkdir(join(root, 'refs'), { recursive: true });
    const ttl = opts.ingestTtlMs ?? 24 * 3600 * 1000;
    const now = Date.now();
    for (const d of await readdir(join(root, 'ingest'))) {
      const p = join(root, 'ingest', d);
      const st = await stat(join(p, 'data')).catch(() => undefined);
      if (!st || ttl <= 0 || now - st.mtimeMs >= ttl) await rm(p, { recursive: true, force: true });
    }
    for (const dir of [join(root, 'blobs', 'sha256'), join(root, 'refs')]) {
      for (const f of await readdir(dir)) if (f.startsWith('.') && f.endsWith('.tmp')) await rm(join(dir, f), { force: true });
    }
    return s;
  }

  blobPath(digest: string): string {
    return join(this.root, 'blobs', 'sha256', hexOf(digest));
  }

  release(ref: string): void {
    this.active.delete(ref);
  }

  async info(digest: string): Promise<BlobInfo | undefined> {
    const st = await stat(this.blobPath(digest)).catch(() => undefined);
    return st?.isFile() ? { digest, size: st.size } : undefined;
  }

  async list(): Promise<BlobInfo[]> {
    const out: BlobInfo[] = [];
    for (const f of await readdir(join(this.root, 'blobs', 'sha256'))) {
      if (!/^[0-9a-f]{64}$/.test(f)) continue;
      const info = await this.info(`sha256:${f}`);
      if (info) out.push(info);
    }
    return out;
  }

  /** A writer for `ref`, resuming any data an earlier writer with the same ref left. One writer per ref. */
  async writer(ref: string): Promise<ContentWriter> {
    if (!refRe.test(ref)) throw invalidInput(`bad ingest ref '${ref}'`);
    if (this.active.has(ref)) throw locked(`ingest ${ref} is already being written`);
    this.active.add(ref);
    try {
      const dir = join(this.root, 'ingest', refDir(ref));
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'ref'), ref);
      const fh = await open(join(dir, 'data'), 'a+');
      const hash = createHash('sha256');
      const size = (await fh.stat()).size;
      if (size > 0) for await (const c of createReadStream(join(dir, 'data'), { end: size - 1 })) hash.update(c as Buffer);
      return new ContentWriter(this, ref, dir, fh, hash, size);
    } catch (err) {
      this.active.delete(ref);
      throw err;
    }
  }

  /** Writes a whole buffer under its own digest. */
  async put(data: Uint8Array, ref = `put-${createHash('sha256').update(data).digest('hex')}`): Promise<BlobInfo> {
    const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
    if (await this.info(digest)) return { digest, size: data.length };
    const w = await this.writer(ref);
    if (w.offset > 0) {
      await w.abort();
      return this.put(data, ref);
    }
    await w.write(data);
    return w.commit(data.length, digest);
  }

  async read(digest: string): Promise<Buffer> {
    try {
      return await readFile(this.blobPath(digest));
    } catch {
      throw notFound(`blob ${digest} is not in the store`);
    }
  }

  readStream(digest: string): NodeJS.ReadableStream {
    return createReadStream(this.blobPath(digest));
  }

  async delete(digest: string): Promise<void> {
    await rm(this.blobPath(digest), { force: true });
  }

  /** Points a name at a blob, replacing any earlier target atomically. */
  async setRef(name: string, digest: string): Promise<void> {
    if (!refRe.test(name)) throw invalidInput(`bad ref name '${name}'`);
    if (!(await this.info(digest))) throw notFound(`blob ${digest} is not in the store`);
    await commitFileAtomically(
      join(this.root, 'refs', name),
      (out) => new Promise<void>((resolve, reject) => out.end(digest, (err?: Error | null) => (err ? reject(err) : resolve()))),
    );
  }

  async getRef(name: string): Promise<string | undefined> {
    if (!refRe.test(name)) throw invalidInput(`bad ref name '${name}'`);
    const v = await readFile(join(this.root, 'refs', name), 'utf8').catch(() => undefined);
    return v && digestRe.test(v) ? v : undefined;
  }

  async refs(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const f of await readdir(join(this.root, 'refs'))) {
      if (f.startsWith('.')) continue;
      const d = await this.getRef(f);
      if (d) out.set(f, d);
    }
    return out;
  }

  /** Removes blobs that no ref and no `keep` digest points at; returns what was removed. */
  async gc(keep: Iterable<string> = []): Promise<string[]> {
    const live = new Set([...keep, ...(await this.refs()).values()]);
    const removed: string[] = [];
    for (const b of await this.list()) {
      if (live.has(b.digest)) continue;
      await this.delete(b.digest);
      removed.push(b.digest);
    }
    return removed;
  }

  /** Re-hashes every blob; returns the digests whose content does not match (empty when all is well). */
  async verify(): Promise<string[]> {
    const bad: string[] = [];
    for (const b of await this.list()) {
      const h = createHash('sha256');
      for await (const c of this.readStream(b.digest)) h.update(c as Buffer);
      if (`sha256:${h.digest('hex')}` !== b.digest) bad.push(b.digest);
    }
    return bad;
  }
}
