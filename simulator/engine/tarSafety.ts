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
 *  whose relative target climbs out of the root, hard links to anything outside it. Returns the entry's
 *  normalised path (safeEntryPath). */
export function assertSafeTarEntry(e: TarEntryFacts): string {
  const path = safeEntryPath(e.path);
  if (!allowedTypes.has(e.type)) throw invalidInput(`refusing tar entry '${e.path}' of type ${e.type}`);
  if (e.type === 'link') {
    if (!e.linkname) throw invalidInput(`refusing hard link '${e.path}' without a target`);
    safeEntryPath(e.linkname);
  }
  if (e.type === 'symlink') {
    const target = e.linkname ?? '';
    if (target.startsWith('/')) return path; // resolved inside the container's root by the engine
    const resolved = posix.normalize(posix.join(posix.dirname(path), target));
    if (resolved === '..' || resolved.startsWith('../')) {
      throw invalidInput(`refusing symlink '${e.path}' -> '${target}' that escapes the root`);
    }
  }
  return path;
}

const MAX_LINK_HOPS = 40; // as Linux's ELOOP limit

/** A symlink target, or the links under a path (by component). */
interface LinkNode {
  target?: string;
  children: Map<string, LinkNode>;
}

/** The symlinks seen so far, by path component: what an entry replaces, a whole subtree when it is not a
 *  directory, goes at once, however many links the image holds elsewhere. */
class LinkTree {
  root: LinkNode = { children: new Map() };

  /** The nodes along `parts` (undefined from the first component no link lies under). */
  nodesAlong(parts: readonly string[]): (LinkNode | undefined)[] {
    const out: (LinkNode | undefined)[] = [];
    let n: LinkNode | undefined = this.root;
    for (const p of parts) out.push((n = n?.children.get(p)));
    return out;
  }

  private find(parts: readonly string[]): LinkNode | undefined {
    return parts.length === 0 ? this.root : this.nodesAlong(parts).at(-1);
  }

  set(parts: readonly string[], target: string): void {
    let n = this.root;
    for (const p of parts) {
      let c = n.children.get(p);
      if (!c) n.children.set(p, (c = { children: new Map() }));
      n = c;
    }
    n.target = target;
  }

  /** Forgets the link at `parts` and, with `below`, every link under it (the root: all of them). */
  remove(parts: readonly string[], below: boolean): void {
    if (parts.length === 0) {
      if (below) this.root = { children: new Map() };
      return;
    }
    const n = this.find(parts);
    if (!n) return;
    n.target = undefined;
    if (below) n.children.clear();
  }
}

/**
 * Where entries really land when a tar is extracted: paths checked one entry at a time look harmless
 * (`x/y -> ..`, then `x/y/z -> ../..`), yet an extractor follows the first link when it creates the second,
 * which then points above the root. The model remembers the symlinks seen so far (across the layers of one
 * image, when used for each in order, with whiteouts removing them) and resolves every entry's directory and
 * every link target through them; anything that climbs above the root is refused. Absolute link targets are
 * resolved from the root (as inside the container); `..` above the root in them stays at the root, as in a
 * chroot. An entry replaces what was at its path as the engine's layer extraction does: a directory over a
 * directory merges with it (the links inside stay), anything else removes the whole subtree first. It also
 * refuses a path given twice in one layer (the engine would refuse to load it).
 */
export class TarRootModel {
  private readonly links = new LinkTree();
  private inLayer = new Set<string>();

  /** A new layer begins: duplicate paths are counted per layer, links carry over. */
  nextLayer(): void {
    this.inLayer = new Set();
  }

  /** Throws `invalid-input` for an entry that is hostile on its own or through the links before it. */
  check(e: TarEntryFacts): void {
    const path = assertSafeTarEntry(e);
    if (path === '' || path === '.') return;
    const parts = path.split('/');
    const name = parts.pop()!;
    const dir = this.resolve(parts, [], `'${e.path}'`);
    const at = [...dir, name];
    const where = at.join('/');
    if (this.inLayer.has(where) && e.type !== 'directory')
      throw invalidInput(`refusing tar entry '${e.path}': the layer holds this path twice`);
    this.inLayer.add(where);
    this.whiteout(dir, name);
    this.links.remove(at, e.type !== 'directory');
    if (e.type === 'symlink') {
      const target = e.linkname ?? '';
      const abs = target.startsWith('/');
      this.resolve(target.split('/'), abs ? [] : dir, `symlink '${e.path}' -> '${target}'`, abs);
      this.links.set(at, target);
    } else if (e.type === 'link') {
      this.resolve(safeEntryPath(e.linkname ?? '').split('/'), [], `hard link '${e.path}' -> '${e.linkname}'`);
    }
  }

  private whiteout(dir: string[], name: string): void {
    if (!name.startsWith('.wh.')) return;
    // `.wh.NAME` removes NAME from the layers below; `.wh..wh..opq` empties the directory it is in.
    this.links.remove(name === '.wh..wh..opq' ? dir : [...dir, name.slice(4)], true);
  }

  /** Walks `parts` from `from` (components below the root), following known symlinks; throws on escape. */
  private resolve(parts: string[], from: string[], what: string, clampAtRoot = false): string[] {
    const cur = [...from];
    const nodes = this.links.nodesAlong(from); // the link tree's node for each component of cur
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
        nodes.pop();
        continue;
      }
      const node = (nodes.length === 0 ? this.links.root : nodes.at(-1))?.children.get(p);
      const link = node?.target;
      if (link === undefined) {
        cur.push(p);
        nodes.push(node);
        continue;
      }
      if (++hops > MAX_LINK_HOPS) throw invalidInput(`refusing tar entry: ${what} goes through too many levels of symbolic links`);
      if (link.startsWith('/')) {
        cur.length = 0;
        nodes.length = 0;
        clampAtRoot = true;
      }
      queue.unshift(...link.split('/').filter((x) => x !== '' && x !== '.'));
    }
    return cur;
  }
}
