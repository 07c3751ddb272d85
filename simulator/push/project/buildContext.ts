// A service's build context as a tar archive, honouring `.dockerignore` (@balena/dockerignore, the same matcher
// balena uses). The chosen Dockerfile is replaced by its resolved template text. `.dockerignore` and the
// Dockerfile are always sent, as Docker does. The archive is streamed: files are read as the engine takes
// them, so a gigabyte file costs a buffer, not a gigabyte of memory, and a file that cannot be read is named.
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import dockerignore from '@balena/dockerignore';
import { pack, type Pack } from 'tar-stream';
import { tarToBuffer } from '../../shared/tarBuffer.js';
import { invalidInput, messageOf } from '../../shared/errors.js';

export interface ContextFilter {
  /** True when the relative path (with `/`) belongs in the build context. */
  includes(relPath: string): boolean;
}

export async function loadContextFilter(contextDir: string, alwaysKeep: string[] = [], excluded: string[] = []): Promise<ContextFilter> {
  let patterns: string[] = [];
  try {
    patterns = (await readFile(join(contextDir, '.dockerignore'), 'utf8'))
      .split(/\r?\n/)
      .filter((l) => l.trim() && !l.trim().startsWith('#'));
  } catch {
    /* no .dockerignore */
  }
  const ig = dockerignore({ ignorecase: false }).add(patterns);
  const keep = new Set(['.dockerignore', ...alwaysKeep]);
  const out = (p: string) => excluded.some((e) => p === e || p.startsWith(`${e}/`));
  return { includes: (p) => !out(p) && (keep.has(p) || !ig.ignores(p)) };
}

export interface ContextEntry {
  relPath: string;
  kind: 'file' | 'dir' | 'symlink';
  mode: number;
  mtime: Date;
  size: number;
}

/** Every path of the context that the filter keeps, parents before children, sorted for a stable tar. */
export async function listContext(contextDir: string, filter: ContextFilter): Promise<ContextEntry[]> {
  const out: ContextEntry[] = [];
  async function walk(rel: string): Promise<void> {
    const names = (await readdir(rel ? join(contextDir, rel) : contextDir)).sort();
    for (const name of names) {
      const relPath = rel ? `${rel}/${name}` : name;
      const st = await lstat(join(contextDir, relPath));
      const kind = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : undefined;
      if (!kind) continue;
      // A directory excluded by a pattern may still hold re-included files (`!dir/keep`): keep walking.
      if (kind === 'dir') {
        if (filter.includes(relPath)) out.push({ relPath, kind, mode: st.mode & 0o7777, mtime: st.mtime, size: 0 });
        await walk(relPath);
      } else if (filter.includes(relPath)) {
        out.push({ relPath, kind, mode: st.mode & 0o7777, mtime: st.mtime, size: st.size });
      }
    }
  }
  await walk('');
  return out;
}

export interface ContextArchive {
  /** The tar, produced as it is read; it errors (naming the file) when a file cannot be read whole. */
  stream: Readable;
  /** Its size in bytes, give or take the extended headers of very long names: for progress. */
  approxBytes: number;
}

const padded = (n: number) => Math.ceil(n / 512) * 512;

/** Streams the context as a tar; `replace` maps relative paths to new contents (the resolved Dockerfile). */
export async function contextArchive(
  contextDir: string,
  filter: ContextFilter,
  replace: Record<string, string> = {},
): Promise<ContextArchive> {
  const entries = await listContext(contextDir, filter);
  const seen = new Set(entries.map((e) => e.relPath));
  const extra = Object.entries(replace).filter(([relPath]) => !seen.has(relPath));
  const sizeOf = (e: ContextEntry) => (e.relPath in replace ? Buffer.byteLength(replace[e.relPath]!) : e.kind === 'file' ? e.size : 0);
  const approxBytes =
    entries.reduce((n, e) => n + 512 + padded(sizeOf(e)), 0) + extra.reduce((n, [, t]) => n + 512 + padded(Buffer.byteLength(t)), 0) + 1024;
  const p = pack();
  let current = '';
  const add = async (e: ContextEntry) => {
    current = e.relPath;
    const header = { name: e.relPath, mode: e.mode, mtime: e.mtime };
    if (e.kind === 'dir') return entry(p, { ...header, type: 'directory' });
    if (e.kind === 'symlink') return entry(p, { ...header, type: 'symlink', linkname: await readlink(join(contextDir, e.relPath)) });
    if (e.relPath in replace) return entry(p, header, Buffer.from(replace[e.relPath]!));
    // Exactly the size listed: a file that grows meanwhile is cut there, one that shrinks fails the tar.
    const body = p.entry({ ...header, size: e.size });
    await pipeline(createReadStream(join(contextDir, e.relPath), { start: 0, end: Math.max(0, e.size - 1), highWaterMark: 1 << 20 }), body);
  };
  // Nothing is read before the consumer reads (Readable.from starts the generator then), so an error
  // always has someone listening, and the consumer's pace sets the reading pace.
  async function* produce(): AsyncGenerator<Buffer> {
    (async () => {
      for (const e of entries) await add(e);
      for (const [relPath, text] of extra) await entry(p, { name: relPath, mode: 0o644, mtime: new Date(0) }, Buffer.from(text));
      p.finalize();
    })().catch((err: unknown) => p.destroy(err as Error));
    try {
      for await (const chunk of p) yield chunk as Buffer;
    } catch (err) {
      throw invalidInput(`build context: cannot read '${current}': ${messageOf(err)}`, err);
    } finally {
      p.destroy(); // the consumer stopped early: stop reading files too
    }
  }
  return { stream: Readable.from(produce(), { objectMode: false }), approxBytes };
}

function entry(p: Pack, header: Parameters<Pack['entry']>[0], body?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => p.entry(header, body ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve())));
}

/** Tars the context into memory (small contexts, tests); `replace` as for contextArchive. */
export async function tarContext(contextDir: string, filter: ContextFilter, replace: Record<string, string> = {}): Promise<Buffer> {
  const entries = await listContext(contextDir, filter);
  return tarToBuffer(async (p) => {
    const seen = new Set<string>();
    for (const e of entries) {
      seen.add(e.relPath);
      const header = { name: e.relPath, mode: e.mode, mtime: e.mtime };
      if (e.kind === 'dir') p.entry({ ...header, type: 'directory' });
      else if (e.kind === 'symlink') p.entry({ ...header, type: 'symlink', linkname: await readlink(join(contextDir, e.relPath)) });
      else {
        const body = e.relPath in replace ? Buffer.from(replace[e.relPath]!) : await readFile(join(contextDir, e.relPath));
        p.entry({ ...header, size: body.length }, body);
      }
    }
    for (const [relPath, text] of Object.entries(replace)) {
      if (!seen.has(relPath)) p.entry({ name: relPath, mode: 0o644, mtime: new Date(0) }, Buffer.from(text));
    }
  });
}
