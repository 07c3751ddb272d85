// Debian packages of another architecture, without touching this machine's apt set-up: a private apt state
// (package lists and cache under the EdgePush cache, `APT::Architecture` set to the wanted one) with this
// machine's sources. `apt-get update` runs once a day per architecture (about 9 MB of lists); packages are
// downloaded once and unpacked with `dpkg-deb -x`.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EdgePushError } from './errors.js';

const run = promisify(execFile);
const DAY_MS = 24 * 3600 * 1000;

export function debCacheDir(debianArch: string): string {
  const base = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(base, 'edgepush', 'debian', debianArch);
}

/** The apt options of the private state for one architecture (pure). */
export function aptOptions(dir: string, debianArch: string): string[] {
  return [
    `Dir::State::Lists=${join(dir, 'lists')}`,
    `Dir::Cache=${join(dir, 'apt')}`,
    'Dir::State::status=/dev/null',
    `APT::Architecture=${debianArch}`,
    `APT::Architectures::=${debianArch}`,
    'Debug::NoLocking=1',
    'APT::Sandbox::User=root',
  ].flatMap((o) => ['-o', o]);
}

async function apt(tool: 'apt-get' | 'apt-cache', dir: string, debianArch: string, args: string[], cwd?: string): Promise<string> {
  try {
    const { stdout } = await run(tool, ['-q', ...aptOptions(dir, debianArch), ...args], { cwd, maxBuffer: 64 << 20, timeout: 600_000 });
    return stdout;
  } catch (err) {
    const e = err as { code?: string; stderr?: string; message: string };
    if (e.code === 'ENOENT')
      throw new EdgePushError(
        'unavailable',
        `${tool} is not installed: base images of other architectures are made from Debian packages (Debian or Ubuntu needed)`,
      );
    throw new EdgePushError(
      'unavailable',
      `${tool} ${args.join(' ')} (${debianArch}) failed: ${(e.stderr ?? e.message).trim().split('\n').slice(-3).join(' | ')}`,
    );
  }
}

/** Makes sure the private package lists for the architecture are at most a day old. */
export async function ensureLists(debianArch: string, onProgress?: (line: string) => void): Promise<string> {
  const dir = debCacheDir(debianArch);
  mkdirSync(join(dir, 'lists', 'partial'), { recursive: true });
  mkdirSync(join(dir, 'apt', 'archives', 'partial'), { recursive: true });
  const stamp = join(dir, 'lists', '.updated');
  const fresh = existsSync(stamp) && Date.now() - statSync(stamp).mtimeMs < DAY_MS;
  if (!fresh) {
    onProgress?.(`apt-get update for ${debianArch} (Debian's package lists, once a day)`);
    try {
      await apt('apt-get', dir, debianArch, ['update']);
      await run('touch', [stamp]);
    } catch (err) {
      // offline: lists from an earlier day still name the packages downloaded then
      if (!readdirSync(join(dir, 'lists')).some((f) => f.endsWith('_Packages'))) throw err;
    }
  }
  return dir;
}

/** Parses `apt-cache depends --recurse` output into package names (pure; virtual `<names>` are dropped). */
export function parseDependsClosure(out: string): string[] {
  const names = new Set<string>();
  for (const line of out.split('\n')) {
    if (!line || line.startsWith(' ') || line.startsWith('<')) continue;
    names.add(line.trim().replace(/:\S+$/, ''));
  }
  return [...names].sort();
}

/** The package and everything it depends on (no recommends). */
export async function dependencyClosure(debianArch: string, pkgs: string[]): Promise<string[]> {
  const dir = debCacheDir(debianArch);
  const out = await apt('apt-cache', dir, debianArch, [
    'depends',
    '--recurse',
    '--no-recommends',
    '--no-suggests',
    '--no-conflicts',
    '--no-breaks',
    '--no-replaces',
    '--no-enhances',
    ...pkgs,
  ]);
  return parseDependsClosure(out);
}

/** The file names `apt-get download` gives the candidates in `apt-cache show` output, in the order of pkgs (pure). */
export function debFileNames(show: string, pkgs: string[]): (string | undefined)[] {
  const byName = new Map<string, string>();
  for (const record of show.split(/\n\s*\n/)) {
    const field = (k: string) => new RegExp(`^${k}: (\\S+)$`, 'm').exec(record)?.[1];
    const [pkg, version, arch] = [field('Package'), field('Version'), field('Architecture')];
    if (pkg && version && arch && !byName.has(pkg)) byName.set(pkg, `${pkg}_${version.replace(/:/g, '%3a')}_${arch}.deb`);
  }
  return pkgs.map((p) => byName.get(p));
}

/** Downloads the packages (once) and returns their .deb paths. */
export async function downloadDebs(debianArch: string, pkgs: string[], onProgress?: (line: string) => void): Promise<string[]> {
  const dir = await ensureLists(debianArch, onProgress);
  const debs = join(dir, 'debs');
  mkdirSync(debs, { recursive: true });
  const wanted = debFileNames(await apt('apt-cache', dir, debianArch, ['show', '--no-all-versions', ...pkgs]), pkgs);
  const have = new Set(readdirSync(debs));
  const missing = pkgs.filter((_p, i) => !wanted[i] || !have.has(wanted[i]!));
  if (missing.length > 0) {
    onProgress?.(`downloading ${missing.length} Debian ${debianArch} package(s): ${missing.join(' ')}`);
    await apt('apt-get', dir, debianArch, ['download', ...missing], debs);
  }
  const now = new Set(readdirSync(debs));
  return wanted.map((f, i) => {
    if (!f) throw new EdgePushError('unavailable', `Debian has no ${debianArch} package ${pkgs[i]}`);
    if (!now.has(f)) throw new EdgePushError('unavailable', `apt-get download ${pkgs[i]} (${debianArch}) left no ${f}`);
    return join(debs, f);
  });
}

export async function unpackDeb(deb: string, into: string): Promise<void> {
  mkdirSync(into, { recursive: true });
  await run('dpkg-deb', ['-x', deb, into], { timeout: 300_000 });
}

/** `linux-image-cloud-arm64` → `linux-image-6.1.0-…-cloud-arm64`: the package a metapackage depends on now. */
export async function resolveMetaPackage(debianArch: string, meta: string, onProgress?: (line: string) => void): Promise<string> {
  const dir = await ensureLists(debianArch, onProgress);
  const out = await apt('apt-cache', dir, debianArch, ['depends', '--no-recommends', '--no-suggests', meta]);
  const m = /Depends:\s+(linux-image-[0-9]\S*)/.exec(out);
  if (!m?.[1]) throw new EdgePushError('unavailable', `apt-cache does not know which package ${meta} (${debianArch}) depends on`);
  return m[1].replace(/:\S+$/, '');
}
