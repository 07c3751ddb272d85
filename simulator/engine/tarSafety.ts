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

const MAX_LINK_HOPS = 40; // as Linux's ELOOP limit

/**
 * Where entries really land when a tar is extracted: paths checked one entry at a time look harmless
 * (`x/y -> ..`, then `x/y/z -> ../..`), yet an extractor follows the first link when it creates the second,
 * which then points above the root. The model remembers the symlinks seen so far (across the layers of one
 * image, when used for each in order, with whiteouts removing them) and resolves every entry's directory and
 * every link target through them; anything that climbs above the root is refused. Absolute link targets are
 * resolved from the root (as inside the container); `..` above the root in them stays at the root, as in a
 * chroot. It also refuses a path given twice in one layer (the engine would refuse to load it).
 */
export class TarRootModel {
  private readonly links = new Map<string, string>();
  private inLayer = new Set<string>();

  /** A new layer begins: duplicate paths are counted per layer, links carry over. */
  nextLayer(): void {
    this.inLayer = new Set();
  }

  /** Throws `invalid-input` for an entry that is hostile on its own or through the links before it. */
  check(e: TarEntryFacts): void {
    assertSafeTarEntry(e);
    const path = safeEntryPath(e.path);
    if (path === '' || path === '.') return;
    const parts = path.split('/');
    const name = parts.pop()!;
    const dir = this.resolve(parts, [], `'${e.path}'`);
    const where = [...dir, name].join('/');
    if (this.inLayer.has(where) && e.type !== 'directory')
      throw invalidInput(`refusing tar entry '${e.path}': the layer holds this path twice`);
    this.inLayer.add(where);
    this.whiteout(dir, name);
    this.links.delete(where);
    for (const k of this.links.keys()) if (k.startsWith(`${where}/`)) this.links.delete(k); // replaced by this entry
    if (e.type === 'symlink') {
      const target = e.linkname ?? '';
      const abs = target.startsWith('/');
      this.resolve(target.split('/'), abs ? [] : dir, `symlink '${e.path}' -> '${target}'`, abs);
      this.links.set(where, target);
    } else if (e.type === 'link') {
      this.resolve(safeEntryPath(e.linkname ?? '').split('/'), [], `hard link '${e.path}' -> '${e.linkname}'`);
    }
  }

  private whiteout(dir: string[], name: string): void {
    if (!name.startsWith('.wh.')) return;
    // `.wh.NAME` removes NAME from the layers below; `.wh..wh..opq` empties the directory it is in.
    const gone = [...dir, ...(name === '.wh..wh..opq' ? [] : [name.slice(4)])].join('/');
    for (const k of [...this.links.keys()]) if (gone === '' || k === gone || k.startsWith(`${gone}/`)) this.links.delete(k);
  }

  /** Walks `parts` from `from` (components below the root), following known symlinks; throws on escape. */
  private resolve(parts: string[], from: string[], what: string, clampAtRoot = false): string[] {
    const cur = [...from];
    const queue = parts.filter((p) => p !== '' && p !== '.');
    let hops = 0;
    while (queue.length > 0) {
      const p = queue.shift()!;
      if (p === '..') {
        if (cur.length === 0) {
          if (clampAtRoot) continue;
          throw invalidInput(`refusing tar entry: ${what} escapes the root once the links before it are followed`);
        }
        cur.pop();
        continue;
      }
      cur.push(p);
      const link = this.links.get(cur.join('/'));
      if (link === undefined) continue;
      if (++hops > MAX_LINK_HOPS) throw invalidInput(`refusing tar entry: ${what} goes through too many levels of symbolic links`);
      cur.pop();
      if (link.startsWith('/')) {
        cur.length = 0;
        clampAtRoot = true;
      }
      queue.unshift(...link.split('/').filter((x) => x !== '' && x !== '.'));
    }
    return cur;
  }
}
