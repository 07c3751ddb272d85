// Test inputs built in memory: deterministic pseudo-random bytes, tars, and whole image archives (config +
// layer tars), so engine tests need no registry and no build.
import { createHash } from 'node:crypto';
import { pack, type Header } from 'tar-stream';
import type { ImageArchive } from '../../../simulator/engine/imageArchive.js';
import { applyByteDelta } from '../../../simulator/engine/byteDelta.js';

/** xorshift32: the same bytes for the same seed on every run. */
export function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

export function randomBytes(n: number, seed: number): Buffer {
  const r = prng(seed);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = r() & 0xff;
  return b;
}

/** Text-like bytes: words from a small vocabulary, so that they compress like source code. */
export function textBytes(n: number, seed: number): Buffer {
  const r = prng(seed);
  const words = ['const', 'return', 'function', 'value', 'import', 'export', '{', '}', '(', ')', ';', '\n', 'x', 'y', 'length'];
  let s = '';
  while (s.length < n) s += `${words[r() % words.length]} `;
  return Buffer.from(s.slice(0, n));
}

export type TarSpec = { name: string; data?: Buffer | string; type?: Header['type']; linkname?: string }[];

export async function makeTar(entries: TarSpec): Promise<Buffer> {
  const p = pack();
  const parts: Buffer[] = [];
  const collected = (async () => {
    for await (const c of p) parts.push(c as Buffer);
  })();
  for (const e of entries) {
    const data = typeof e.data === 'string' ? Buffer.from(e.data) : e.data;
    await new Promise<void>((resolve, reject) =>
      p.entry(
        {
          name: e.name,
          type: e.type ?? 'file',
          linkname: e.linkname,
          mode: e.type === 'directory' ? 0o755 : 0o644,
          mtime: new Date(0),
          size: data?.length ?? 0,
        },
        data ?? Buffer.alloc(0),
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  }
  p.finalize();
  await collected;
  return Buffer.concat(parts);
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** An image whose layers are the given tars; `tag` goes into RepoTags. */
export function makeImage(layers: Buffer[], tag: string, env: string[] = []): ImageArchive {
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Env: ['PATH=/bin', ...env], Cmd: ['/bin/sh'], Labels: { 'io.edgepush.test': 'engine' } },
      rootfs: { type: 'layers', diff_ids: layers.map(sha) },
      history: layers.map(() => ({ created_by: 'edgepush engine test' })),
    }),
  );
  return { imageId: sha(config), config, repoTags: [tag], layers: layers.map((data) => ({ diffId: sha(data), data })) };
}

/** What a byte delta held in memory (one buffer, or the chunks createByteDelta made) rebuilds from `old`. */
export async function appliedInMemory(old: Uint8Array, delta: Uint8Array | readonly Uint8Array[]): Promise<Buffer> {
  const chunks = delta instanceof Uint8Array ? [delta] : delta;
  const parts: Buffer[] = [];
  for await (const c of applyByteDelta(
    old,
    (async function* () {
      yield* chunks;
    })(),
  ))
    parts.push(c);
  return Buffer.concat(parts);
}
