// Builds a board image (x86_64, or aarch64 with debootstrap --arch=arm64 under qemu-user) from Debian packages, once per recipe hash: kernel (kernel.ts), a debootstrap
// minbase root filesystem with the engine, an official Node.js (nodeRuntime.ts), the kernel modules, the init script, then an ext4 image made
// with `mke2fs -d` (no loop mount). Work happens in a temporary folder renamed into place at the end, so an
// interrupted build never leaves a half image behind. Needs root (debootstrap chroots, files owned by root).
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as z from 'zod';
import { debianArchOf, x86Recipe, recipeHash, type BoardRecipe } from './recipe.js';
import { downloadDebs, resolveMetaPackage } from '../shared/debPackages.js';
import { cacheRoot, imagePaths, type ImagePaths } from './paths.js';
import { extractVmlinux, fetchKernelDeb, unpackKernel } from './kernel.js';
import { writeInitramfs } from './initramfs.js';
import { installNodeRuntime } from './nodeRuntime.js';
import { findTool, runTool } from './run.js';
import { unavailable } from '../shared/errors.js';
import type { Progress } from '../shared/progress.js';

export const imageManifestSchema = z.object({
  hash: z.string(),
  board: z.enum(['x86_64', 'aarch64']),
  kernelRelease: z.string(),
  builtAt: z.string(),
  buildSeconds: z.number(),
});
export type ImageManifest = z.infer<typeof imageManifestSchema>;

export interface BoardImage extends ImagePaths {
  manifest: string;
  info: ImageManifest;
}

export interface EnsureImageOptions {
  recipe?: BoardRecipe;
  cacheDir?: string;
  progress?: Progress;
  /** Rebuild even when a cached image exists. */
  force?: boolean;
}

/** Where a board's images live: the x86_64 ones in the cache folder itself (as before), others in a subfolder of
 *  their own, out of reach of an older EdgePush's pruning (it removed every other image beside its own). */
export function imageCacheDir(cacheDir: string, board: BoardRecipe['board']): string {
  return board === 'x86_64' ? cacheDir : join(cacheDir, board);
}

export function cachedImage(recipe: BoardRecipe = x86Recipe, cacheDir = cacheRoot()): BoardImage | undefined {
  const paths = imagePaths(recipeHash(recipe), imageCacheDir(cacheDir, recipe.board));
  try {
    const info = imageManifestSchema.parse(JSON.parse(readFileSync(paths.manifest, 'utf8')));
    if (!existsSync(paths.kernel) || !existsSync(paths.rootfs) || !existsSync(paths.initrd)) return undefined;
    return { ...paths, info };
  } catch {
    return undefined;
  }
}

const requiredTools = ['debootstrap', 'mke2fs', 'lz4', 'dpkg-deb', 'apt-get', 'apt-cache', 'chroot', 'npm', 'tar'];

function checkCanBuild(): void {
  if (process.getuid?.() !== 0) {
    throw unavailable(
      'building a board image needs root (debootstrap chroots and the files must belong to root): run ' +
        '`sudo edgepush board build` once; the image is cached and boards then start as any user',
    );
  }
  const missing = requiredTools.filter((t) => !findTool(t));
  if (missing.length) {
    throw unavailable(`missing tools: ${missing.join(', ')} (apt-get install debootstrap e2fsprogs lz4 qemu-system-x86 qemu-utils)`);
  }
}

export async function ensureImage(opts: EnsureImageOptions = {}): Promise<BoardImage> {
  const recipe = opts.recipe ?? x86Recipe;
  const top = opts.cacheDir ?? cacheRoot();
  const root = imageCacheDir(top, recipe.board);
  if (!opts.force) {
    const have = cachedImage(recipe, top);
    if (have) return have;
  }
  checkCanBuild();
  if (recipe.board === 'aarch64' && !existsSync('/proc/sys/fs/binfmt_misc/qemu-aarch64')) {
    throw unavailable(
      "building the aarch64 board runs debootstrap's second stage under qemu-user: apt-get install qemu-user-static binfmt-support qemu-system-arm && update-binfmts --enable (bash scripts/setup.sh arm)",
    );
  }
  const started = Date.now();
  const hash = recipeHash(recipe);
  const final = imagePaths(hash, root);
  const work = `${final.dir}.tmp-${process.pid}`;
  const say = (phase: string) => opts.progress?.update(`board image ${hash}: ${phase}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    say('kernel package');
    const foreign = recipe.board !== 'x86_64';
    const deb = foreign
      ? (await downloadDebs(debianArchOf(recipe.board), [await resolveMetaPackage(debianArchOf(recipe.board), recipe.kernelPackage)]))[0]!
      : await fetchKernelDeb(recipe.kernelPackage, join(root, 'kernel-debs'));
    const kernel = await unpackKernel(deb, join(work, 'kernel'));
    say('kernel image');
    // arm64: Debian's vmlinuz is a plain Image (gzip-compressed in some releases), which QEMU's virt machine boots
    if (foreign) {
      const raw = readFileSync(kernel.bzImage);
      writeFileSync(join(work, 'vmlinux'), raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw);
    } else await extractVmlinux(kernel.bzImage, join(work, 'vmlinux'), work);

    const rootfs = join(work, 'rootfs');
    const debCache = join(root, 'debs');
    mkdirSync(debCache, { recursive: true });
    say('debootstrap');
    await runTool(
      'debootstrap',
      [
        ...(foreign ? [`--arch=${debianArchOf(recipe.board)}`] : []),
        '--variant=minbase',
        `--cache-dir=${debCache}`,
        `--include=${recipe.packages.join(',')}`,
        recipe.suite,
        rootfs,
        recipe.mirror,
      ],
      { timeoutMs: 20 * 60_000, onLine: (l) => debootstrapStep(l, say) },
    );

    say(`Node.js ${recipe.node.version} (${recipe.node.package})`);
    await installNodeRuntime(recipe.node, join(top, 'node'), rootfs);

    say('kernel modules');
    const modDir = join(rootfs, 'lib', 'modules', kernel.release);
    mkdirSync(dirname(modDir), { recursive: true });
    cpSync(kernel.modules, modDir, { recursive: true });
    // the root filesystem's own depmod (kmod is in the recipe), so the host needs no kmod
    await runTool('chroot', [rootfs, '/sbin/depmod', kernel.release], { timeoutMs: 120_000 });
    say('initramfs');
    // arm64: the static busybox of the root filesystem (busybox-static is in its recipe); x86: this machine's
    writeInitramfs(join(work, 'initrd.img'), kernel.modules, foreign ? join(rootfs, 'bin', 'busybox') : undefined);

    say('init and configuration');
    for (const [rel, f] of Object.entries(recipe.files)) {
      const p = join(rootfs, rel);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, f.text);
      chmodSync(p, f.mode);
    }
    for (const rel of recipe.trim) {
      rmSync(join(rootfs, rel), { recursive: true, force: true });
      mkdirSync(join(rootfs, rel), { recursive: true });
    }

    say('ext4 image');
    const img = join(work, 'rootfs.img');
    await runTool('mke2fs', ['-q', '-F', '-t', 'ext4', '-L', 'edgeroot', '-d', rootfs, img, `${recipe.sizeMiB}M`], {
      timeoutMs: 10 * 60_000,
    });
    rmSync(rootfs, { recursive: true, force: true });
    rmSync(join(work, 'kernel'), { recursive: true, force: true });
    rmSync(join(work, 'vmlinux.lz4'), { force: true });

    const info: ImageManifest = {
      hash,
      board: recipe.board,
      kernelRelease: kernel.release,
      builtAt: new Date().toISOString(),
      buildSeconds: Math.round((Date.now() - started) / 100) / 10,
    };
    writeFileSync(join(work, 'recipe.json'), `${JSON.stringify(recipe, null, 2)}\n`);
    writeFileSync(join(work, 'image.json'), `${JSON.stringify(info, null, 2)}\n`);
    rmSync(final.dir, { recursive: true, force: true });
    renameSync(work, final.dir);
    pruneOtherImages(root, hash, recipe.board);
    opts.progress?.done(`board image ${hash} built in ${info.buildSeconds} s (${imageSize(final.rootfs)})`);
    return { ...final, info };
  } catch (err) {
    rmSync(work, { recursive: true, force: true });
    throw err;
  }
}

/** debootstrap prints a line per package; show only its stages (retrieving, extracting, configuring...). */
function debootstrapStep(line: string, say: (phase: string) => void): void {
  const m = /^I: (Retrieving|Validating|Extracting|Unpacking|Configuring|Installing|Base system)/.exec(line);
  if (m?.[1]) say(`debootstrap: ${m[1].toLowerCase()}`);
}

/** Images of other recipes of the same board: boards on them get a new overlay at their next start anyway, so
 *  they are only disk, except the most recently built one, kept (two checkouts of EdgePush on one machine, with
 *  two recipes, would otherwise rebuild each other's image at every start). Another board's (x86_64 beside
 *  aarch64) images stay. */
export function pruneOtherImages(root: string, keep: string, board: string): void {
  const others: { dir: string; builtAt: string }[] = [];
  for (const d of readdirSync(root)) {
    if (d === keep || !/^[0-9a-f]{16}$/.test(d)) continue;
    let info: Pick<ImageManifest, 'board' | 'builtAt'> | undefined;
    try {
      info = imageManifestSchema.pick({ board: true, builtAt: true }).parse(JSON.parse(readFileSync(join(root, d, 'image.json'), 'utf8')));
    } catch {
      info = undefined; // a broken or unfinished image: not worth keeping
    }
    if (info === undefined) rmSync(join(root, d), { recursive: true, force: true });
    else if (info.board === board) others.push({ dir: d, builtAt: info.builtAt });
  }
  others.sort((a, b) => b.builtAt.localeCompare(a.builtAt));
  for (const o of others.slice(1)) rmSync(join(root, o.dir), { recursive: true, force: true });
}

function imageSize(file: string): string {
  const st = statSync(file);
  return `${Math.round((st.blocks * 512) / 2 ** 20)} MiB used of ${Math.round(st.size / 2 ** 20)} MiB`;
}
