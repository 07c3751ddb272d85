// Small local base images for examples and tests, made without a registry: a root filesystem assembled in
// memory (tar-stream) and imported with the engine's import API (dockerode importImage), so it works against
// any engine endpoint. Idempotent: an image whose content label matches is left alone.
//   edgepush-base/busybox:latest  Debian's busybox-static with its applet links, /etc/passwd, /tmp
//   edgepush-base/node:latest     the above plus this host's node binary and the shared libraries it loads
import { createHash } from 'node:crypto';
import { readFileSync, statSync, realpathSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import { pack as tarPack } from 'tar-stream';
import type Docker from 'dockerode';
import { EdgePushError, messageOf } from '../shared/errors.js';

export const BUSYBOX_IMAGE = 'edgepush-base/busybox:latest';
export const NODE_IMAGE = 'edgepush-base/node:latest';
export const CONTENT_LABEL = 'io.edgepush.base.content';

export interface BaseImageResult {
  name: string;
  action: 'built' | 'present';
  contentId: string;
}

export interface EnsureBaseImagesOptions {
  busyboxPath?: string;
  /** Also build the node image (default true). */
  node?: boolean;
  nodePath?: string;
  onProgress?(line: string): void;
}

export type Entry =
  | { name: string; type: 'directory'; mode: number }
  | { name: string; type: 'file'; mode: number; source: string }
  | { name: string; type: 'symlink'; linkname: string };

const ETC: Record<string, string> = {
  'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
  'etc/group': 'root:x:0:\nnogroup:x:65534:\n',
  'etc/hostname': 'edgepush\n',
  'etc/nsswitch.conf': 'hosts: files dns\n',
};

/** busybox with its applet links; the applet list comes from `listFrom` (this machine's busybox of the same Debian
 *  version, for another architecture's binary). */
export function busyboxEntries(busybox: string, listFrom = busybox): Entry[] {
  const list = spawnSync(listFrom, ['--list-full'], { encoding: 'utf8' });
  if (list.status !== 0) throw new EdgePushError('unavailable', `cannot run ${listFrom} --list-full (install Debian's busybox-static)`);
  const dirs = [
    'bin',
    'sbin',
    'usr',
    'usr/bin',
    'usr/sbin',
    'usr/local',
    'usr/local/bin',
    'etc',
    'root',
    'home',
    'var',
    'var/run',
    'proc',
    'sys',
    'dev',
    'mnt',
    'app',
  ];
  const entries: Entry[] = dirs.map((d) => ({ name: d, type: 'directory', mode: 0o755 }));
  entries.push({ name: 'tmp', type: 'directory', mode: 0o1777 });
  entries.push({ name: 'bin/busybox', type: 'file', mode: 0o755, source: busybox });
  for (const applet of list.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)) {
    if (applet === 'bin/busybox') continue;
    entries.push({ name: applet, type: 'symlink', linkname: '/bin/busybox' });
  }
  return entries;
}

/**
 * Shared libraries the node binary needs, at the paths the loader looks for them (by soname): from `ldd`,
 * else from what this running node process has mapped (/proc/self/maps).
 */
export function nodeLibraries(nodePath: string): string[] {
  const libs = new Set<string>();
  const ldd = spawnSync('ldd', [nodePath], { encoding: 'utf8' });
  if (ldd.status === 0) {
    for (const line of ldd.stdout.split('\n')) {
      const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
      if (m) libs.add(m[1]!);
    }
    if (libs.size > 0) return [...libs].sort();
  }
  const maps = readFileSync('/proc/self/maps', 'utf8');
  for (const line of maps.split('\n')) {
    const path = line.split(/\s+/)[5];
    if (path && path.startsWith('/') && /\.so(\.|$)/.test(path) && !path.includes('(deleted)')) libs.add(path);
  }
  return [...libs].sort();
}

function nodeEntries(nodePath: string): Entry[] {
  const entries: Entry[] = [{ name: 'usr/local/bin/node', type: 'file', mode: 0o755, source: realpathSync(nodePath) }];
  const dirs = new Set<string>();
  for (const lib of nodeLibraries(nodePath)) {
    const rel = lib.slice(1);
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
    entries.push({ name: rel, type: 'file', mode: 0o755, source: realpathSync(lib) });
  }
  // The loader is found by its canonical path (/lib64/ld-linux-x86-64.so.2 on amd64), often a symlink.
  for (const loader of ['/lib64/ld-linux-x86-64.so.2', '/lib/ld-linux-aarch64.so.1']) {
    try {
      const real = realpathSync(loader);
      if (real !== loader) {
        dirs.add(loader.slice(1).split('/').slice(0, -1).join('/'));
        entries.push({ name: loader.slice(1), type: 'file', mode: 0o755, source: real });
      }
    } catch {
      // not this architecture
    }
  }
  return [...[...dirs].sort().map((d): Entry => ({ name: d, type: 'directory', mode: 0o755 })), ...entries];
}

/** A fingerprint of what the image would contain: names, modes, links, and each source file's size+mtime. */
export function contentId(entries: Entry[], extra: string): string {
  const h = createHash('sha256').update(extra);
  for (const e of entries) {
    if (e.type === 'file') {
      const st = statSync(e.source);
      h.update(`${e.name}\0f${e.mode}\0${st.size}\0${st.mtimeMs}\n`);
    } else h.update(`${e.name}\0${e.type}\0${e.type === 'symlink' ? e.linkname : e.mode}\n`);
  }
  return h.digest('hex').slice(0, 32);
}

export function rootfsTar(entries: Entry[]): Readable {
  const pack = tarPack();
  const out = new PassThrough();
  (pack as unknown as Readable).pipe(out);
  const seen = new Set<string>();
  const addEtc = Object.entries(ETC).map(([name, text]): [string, Buffer] => [name, Buffer.from(text)]);
  void (async () => {
    try {
      for (const e of entries) {
        if (seen.has(e.name)) continue;
        seen.add(e.name);
        if (e.type === 'directory') pack.entry({ name: e.name, type: 'directory', mode: e.mode });
        else if (e.type === 'symlink') pack.entry({ name: e.name, type: 'symlink', linkname: e.linkname });
        else {
          const data = readFileSync(e.source);
          await new Promise<void>((resolve, reject) =>
            pack.entry({ name: e.name, mode: e.mode, size: data.length }, data, (err) => (err ? reject(err) : resolve())),
          );
        }
      }
      for (const [name, data] of addEtc) pack.entry({ name, mode: 0o644 }, data);
      pack.finalize();
    } catch (err) {
      out.destroy(err as Error);
    }
  })();
  return out;
}

async function importRootfs(docker: Docker, name: string, entries: Entry[], id: string, changes: string[]): Promise<void> {
  const [repo, tag] = name.split(':') as [string, string];
  const stream = (await docker.importImage(rootfsTar(entries), {
    repo,
    tag,
    changes: [`LABEL ${CONTENT_LABEL}=${id}`, ...changes],
  } as never)) as unknown as Readable;
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => {
      const failed = err ?? (out.find((o) => o.error) ? new Error(out.find((o) => o.error)!.error) : null);
      if (failed) reject(failed);
      else resolve();
    });
  });
}

export async function presentWith(docker: Docker, name: string, id: string): Promise<boolean> {
  try {
    const info = (await docker.getImage(name).inspect()) as { Config?: { Labels?: Record<string, string> | null } };
    return info.Config?.Labels?.[CONTENT_LABEL] === id;
  } catch {
    return false;
  }
}

export async function ensureBaseImages(docker: Docker, opts: EnsureBaseImagesOptions = {}): Promise<BaseImageResult[]> {
  const results: BaseImageResult[] = [];
  const busybox = busyboxEntries(opts.busyboxPath ?? '/bin/busybox');
  const wanted: { name: string; entries: Entry[]; changes: string[]; extra: string }[] = [
    {
      name: BUSYBOX_IMAGE,
      entries: busybox,
      changes: ['CMD ["/bin/sh"]', 'ENV PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin'],
      extra: 'busybox-v1',
    },
  ];
  if (opts.node !== false) {
    const nodePath = opts.nodePath ?? process.execPath;
    wanted.push({
      name: NODE_IMAGE,
      entries: [...busybox, ...nodeEntries(nodePath)],
      changes: ['CMD ["node"]', 'ENV PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', 'WORKDIR /app'],
      extra: `node-v2 ${process.version}`,
    });
  }
  for (const w of wanted) {
    const id = contentId(w.entries, w.extra + JSON.stringify(w.changes));
    if (await presentWith(docker, w.name, id)) {
      results.push({ name: w.name, action: 'present', contentId: id });
      continue;
    }
    opts.onProgress?.(`building ${w.name}`);
    try {
      await importRootfs(docker, w.name, w.entries, id, w.changes);
    } catch (err) {
      throw new EdgePushError('unavailable', `could not import ${w.name}: ${messageOf(err)}`, { cause: err });
    }
    results.push({ name: w.name, action: 'built', contentId: id });
  }
  return results;
}

/** Makes the named base image (and the busybox image it builds on) on `docker`: the push's `makeBaseImage`. */
export async function makeBaseImage(docker: Docker, image: string): Promise<void> {
  await ensureBaseImages(docker, { node: image.includes('/node') });
}
