// A service's build context as a tar archive, honouring `.dockerignore` (@balena/dockerignore, the same matcher
// balena uses). The chosen Dockerfile is replaced by its resolved template text. `.dockerignore` and the
// Dockerfile are always sent, as Docker does.
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import dockerignore from '@balena/dockerignore';
import { tarToBuffer } from '../../shared/tarBuffer.js';

export interface ContextFilter {
  /** True when the relative path (with `/`) belongs in the build context. */
  includes(relPath: string): boolean;
}

export async function loadContextFilter(contextDir: string, alwaysKeep: string[] = [], excluded: string[] = []): Promise<ContextFilter> {
  let patterns: string[] = [];
  try {
    patterns = (await readFile(join(contextDir, '.dockerignore'), 'utf8')).split(/\r?\n/).filter((l) => l.trim() && !l.trim().startsWith('#'));
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

/** Tars the context; `replace` maps relative paths to new contents (the resolved Dockerfile). */
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
