// The local base images for each architecture, made from Debian packages without a registry:
//   edgepush-base/<arch>-busybox:latest  busybox-static of that Debian architecture, with its applet links
//   edgepush-base/<arch>-node:latest     the above plus Debian's nodejs of that architecture and what it needs
// (arch in balena's names: aarch64, armv7hf, rpi, amd64, i386). For this machine's own arch they are the plain
// `edgepush-base/busybox` / `edgepush-base/node` images (baseImages.ts) under a second name. Another arch's image
// is written as a `docker save` archive whose config carries the right Architecture/Variant, and loaded.
// Idempotent: an image whose content label matches is left alone.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, lstatSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import { ARCH_INFO, ARCHES, hostArch, isArch, type Arch } from '../shared/deviceTypes.js';
import { EdgePushError, messageOf } from '../shared/errors.js';
import { splitTag } from '../shared/imageRef.js';
import { writeImageArchive } from '../engine/imageArchiveWriter.js';
import {
  BUSYBOX_IMAGE,
  CONTENT_LABEL,
  NODE_IMAGE,
  busyboxEntries,
  contentId,
  ensureBaseImages,
  presentWith,
  rootfsTar,
  type BaseImageResult,
  type Entry,
} from './baseImages.js';
import { archBaseImage, archBaseNames, baseImagesNamed, type BaseKind } from '../shared/baseImageNames.js';
import { dependencyClosure, downloadDebs, unpackDeb } from '../shared/debPackages.js';

export const ARCH_LABEL = 'io.edgepush.base.arch';

export interface EnsureArchOptions {
  /** Also the node image (default true). */
  node?: boolean;
  onProgress?(line: string): void;
}

const ENV_PATH = 'PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin';
const SKIP = [/^usr\/share\/(doc|man|info|lintian|bug)(\/|$)/];

/** A tree unpacked from .debs as image entries (directories, files, symlinks), docs left out. */
function treeEntries(root: string, rel = ''): Entry[] {
  const out: Entry[] = [];
  for (const name of readdirSync(join(root, rel)).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    if (SKIP.some((re) => re.test(r))) continue;
    const full = join(root, r);
    const st = lstatSync(full);
    if (st.isSymbolicLink()) out.push({ name: r, type: 'symlink', linkname: readlinkSync(full) });
    else if (st.isDirectory()) {
      out.push({ name: r, type: 'directory', mode: st.mode & 0o7777 });
      out.push(...treeEntries(root, r));
    } else if (st.isFile()) out.push({ name: r, type: 'file', mode: st.mode & 0o7777, source: full });
  }
  return out;
}

async function loadArchImage(
  docker: Docker,
  name: string,
  arch: Arch,
  entries: Entry[],
  id: string,
  config: Record<string, unknown>,
  work: string,
): Promise<void> {
  const layerPath = join(work, 'layer.tar');
  const hash = createHash('sha256');
  let size = 0;
  await pipeline(
    rootfsTar(entries),
    new Transform({
      transform(c: Buffer, _e, cb) {
        hash.update(c);
        size += c.length;
        cb(null, c);
      },
    }),
    createWriteStream(layerPath),
  );
  const diffId = `sha256:${hash.digest('hex')}`;
  const info = ARCH_INFO[arch];
  const cfg = Buffer.from(
    JSON.stringify({
      architecture: info.architecture,
      ...(info.variant ? { variant: info.variant } : {}),
      os: 'linux',
      created: '1970-01-01T00:00:00Z',
      config: { ...config, Labels: { [CONTENT_LABEL]: id, [ARCH_LABEL]: arch } },
      rootfs: { type: 'layers', diff_ids: [diffId] },
      history: [{ created: '1970-01-01T00:00:00Z', created_by: `edgepush base-images --arch ${arch}` }],
    }),
  );
  const imageId = `sha256:${createHash('sha256').update(cfg).digest('hex')}`;
  const archive = writeImageArchive({
    imageId,
    config: cfg,
    repoTags: [name],
    layers: [{ diffId, size, data: createReadStream(layerPath) }],
  });
  const stream = (await docker.loadImage(archive, { quiet: true })) as unknown as NodeJS.ReadableStream;
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => {
      const failed = err ?? (out.find((o) => o.error) ? new Error(out.find((o) => o.error)!.error) : null);
      if (failed) reject(failed);
      else resolve();
    });
  });
}

async function tagAs(docker: Docker, from: string, to: string): Promise<void> {
  const [repo, tag] = splitTag(to);
  await docker.getImage(from).tag({ repo, tag });
}

/** This machine's arch: the plain images, also named edgepush-base/<arch>-*. */
async function ensureHostArch(docker: Docker, arch: Arch, opts: EnsureArchOptions): Promise<BaseImageResult[]> {
  const plain = await ensureBaseImages(docker, { node: opts.node, onProgress: opts.onProgress });
  const out: BaseImageResult[] = [];
  for (const r of plain) {
    const kind: BaseKind = r.name === NODE_IMAGE ? 'node' : 'busybox';
    const alias = archBaseImage(arch, kind);
    const same = await presentWith(docker, alias, r.contentId);
    if (!same) await tagAs(docker, r.name === NODE_IMAGE ? NODE_IMAGE : BUSYBOX_IMAGE, alias);
    out.push(r, { name: alias, action: same ? 'present' : 'built', contentId: r.contentId });
  }
  return out;
}

/** Makes sure edgepush-base/<arch>-busybox (and -node) exist on the engine for the arch. */
export async function ensureArchBaseImages(docker: Docker, arch: Arch, opts: EnsureArchOptions = {}): Promise<BaseImageResult[]> {
  if (arch === hostArch()) return ensureHostArch(docker, arch, opts);
  const deb = ARCH_INFO[arch].debian;
  const work = mkdtempSync(join(tmpdir(), `edgepush-base-${arch}-`));
  const results: BaseImageResult[] = [];
  try {
    const [busyboxDeb] = await downloadDebs(deb, ['busybox-static'], opts.onProgress);
    const bbRoot = join(work, 'busybox');
    await unpackDeb(busyboxDeb!, bbRoot);
    const busybox = busyboxEntries(join(bbRoot, 'bin', 'busybox'), '/bin/busybox');
    const wanted: { kind: BaseKind; entries: () => Promise<Entry[]>; config: Record<string, unknown>; recipe: () => Promise<string> }[] = [
      {
        kind: 'busybox',
        entries: () => Promise.resolve(busybox),
        config: { Cmd: ['/bin/sh'], Env: [ENV_PATH] },
        recipe: () => Promise.resolve(`busybox-v1 ${busyboxDeb}`),
      },
    ];
    if (opts.node !== false) {
      let debs: string[] | undefined;
      const nodeDebs = async () => (debs ??= await downloadDebs(deb, await dependencyClosure(deb, ['nodejs']), opts.onProgress));
      wanted.push({
        kind: 'node',
        recipe: async () => `node-v1 ${(await nodeDebs()).map((d) => d.split('/').pop()).join(' ')}`,
        entries: async () => {
          const root = join(work, 'node');
          for (const d of await nodeDebs()) await unpackDeb(d, root);
          return [...busybox, ...treeEntries(root)];
        },
        config: { Cmd: ['node'], Env: [ENV_PATH], WorkingDir: '/app' },
      });
    }
    for (const w of wanted) {
      const name = archBaseImage(arch, w.kind);
      // The id is the recipe: the exact .deb files (name_version_arch) and the image's settings.
      const id = contentId([], `${await w.recipe()} ${JSON.stringify(w.config)}`);
      if (await presentWith(docker, name, id)) {
        results.push({ name, action: 'present', contentId: id });
        continue;
      }
      opts.onProgress?.(`building ${name} from Debian ${deb} packages`);
      try {
        await loadArchImage(docker, name, arch, await w.entries(), id, w.config, work);
      } catch (err) {
        throw new EdgePushError('unavailable', `could not make ${name}: ${messageOf(err)}`, { cause: err });
      }
      results.push({ name, action: 'built', contentId: id });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return results;
}

/** The push hook (push/types.ts BaseImageProvider): each arch named, its images made where missing. */
export async function provideBaseImages(
  docker: Docker,
  images: { arch: string; kind: BaseKind }[],
  onLine: (line: string) => void,
): Promise<void> {
  for (const arch of new Set(images.map((i) => i.arch))) {
    if (!isArch(arch)) throw new EdgePushError('invalid-input', `edgepush-base images exist for ${ARCHES.join(', ')}, not '${arch}'`);
    const node = images.some((i) => i.arch === arch && i.kind === 'node');
    for (const r of await ensureArchBaseImages(docker, arch, { node, onProgress: onLine }))
      if (r.action === 'built') onLine(`${r.name}: built`);
  }
}

/** A Dockerfile built through a device's engine port: plain base names turned into the device arch's, and the
 *  EdgePush base images it names made when missing (said in the device log). */
export async function archDockerfile(text: string, arch: string, docker: Docker, log: (line: string) => void): Promise<string> {
  const out = archBaseNames(text, arch);
  // Only what is missing: a push from `edgepush push` has made them already (from the host, for a board).
  const named: { arch: string; kind: BaseKind; name: string }[] = [];
  for (const b of baseImagesNamed(out, arch)) {
    if (
      !(await docker
        .getImage(b.name)
        .inspect()
        .then(
          () => true,
          () => false,
        ))
    )
      named.push(b);
  }
  if (named.length > 0) {
    await provideBaseImages(docker, named, log).catch((err: unknown) =>
      log(`could not make ${named.map((b) => b.name).join(', ')}: ${messageOf(err)}`),
    );
  }
  return out;
}
