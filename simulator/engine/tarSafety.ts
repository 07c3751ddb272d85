// Which tar entries EdgePush accepts. An image archive or layer may come from a device or a network peer, so
// entries that could write outside the extraction root, or create devices, are refused with a clear error.
import { posix } from 'node:path';
import { invalidInput } from '../shared/errors.js';

export interface TarEntryFacts {
  path: string;
  /** 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | ... (tar-stream names) */
  type: string;
  linkname?: string | null;
}

const allowedTypes = new Set(['file', 'contiguous-file', 'directory', 'symlink', 'link']);

/** The normalised relative path of an entry; throws when it is absolute or climbs out of the root. */
export function safeEntryPath(path: string): string {
  if (path.includes('\0')) throw invalidInput(`refusing tar entry with a NUL in its name`);
  if (path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path)) throw invalidInput(`refusing tar entry with absolute path '${path}'`);
  const norm = posix.normalize(path.replace(/\\/g, '/'));
  if (norm === '..' || norm.startsWith('../')) throw invalidInput(`refusing tar entry that escapes the root: '${path}'`);
  return norm.replace(/\/$/, '');
}

/** Throws `invalid-input` for hostile entries: absolute or escaping paths, device nodes and fifos, symlinks
 *  whose relative target climbs out of the root, hard links to anything outside it. */
export function assertSafeTarEntry(e: TarEntryFacts): void {
  const path = safeEntryPath(e.path);
  if (!allowedTypes.has(e.type)) throw invalidInput(`refusing tar entry '${e.path}' of type ${e.type}`);
  if (e.type === 'link') {
    if (!e.linkname) throw invalidInput(`refusing hard link '${e.path}' without a target`);
    safeEntryPath(e.linkname);
  }
  if (e.type === 'symlink') {
    const target = e.linkname ?? '';
    if (target.startsWith('/')) return; // resolved inside the container's root by the engine
    const resolved = posix.normalize(posix.join(posix.dirname(path), target));
    if (resolved === '..' || resolved.startsWith('../')) {
      throw invalidInput(`refusing symlink '${e.path}' -> '${target}' that escapes the root`);
    }
  }
}
