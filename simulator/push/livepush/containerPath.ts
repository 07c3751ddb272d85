// Where a COPY/ADD puts a build-context file, following Docker's rules for directories, files and globs.
import { posix } from 'node:path';

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (const ch of glob) {
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function normalizeSource(src: string): string {
  let s = posix.normalize(src.replace(/^\.\//, ''));
  if (s === '.' || s === './') s = '';
  return s.replace(/\/+$/, '');
}

/** Where a COPY puts context file `file`, or undefined when it does not copy it. */
export function containerPathOf(file: string, sources: string[], dest: string, workdir: string): string | undefined {
  const absDest = posix.isAbsolute(dest) ? dest : posix.join(workdir, dest);
  const destIsDir = dest.endsWith('/') || dest === '.' || sources.length > 1;
  for (const raw of sources) {
    const src = normalizeSource(raw);
    if (src === '') return posix.join(absDest, file);
    if (/[*?[]/.test(src)) {
      if (globToRegExp(src).test(file)) return posix.join(absDest, posix.basename(file));
      // a glob that names directories copies their contents
      const parts = file.split('/');
      for (let i = 1; i < parts.length; i++) {
        if (globToRegExp(src).test(parts.slice(0, i).join('/'))) return posix.join(absDest, parts.slice(i).join('/'));
      }
      continue;
    }
    if (file === src) return destIsDir ? posix.join(absDest, posix.basename(file)) : absDest;
    if (file.startsWith(`${src}/`)) return posix.join(absDest, file.slice(src.length + 1));
  }
  return undefined;
}
