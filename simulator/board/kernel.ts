// The board's kernel, taken from a Debian package: resolve the metapackage to its versioned package, download
// it once into the cache (`apt-get download`), unpack it (`dpkg-deb -x`), and turn its bzImage into a plain ELF
// vmlinux that QEMU's microvm machine boots directly (PVH), which is faster than the bzImage path.
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTool } from './run.js';
import { corrupt, unavailable } from '../shared/errors.js';

/** `linux-image-cloud-amd64` → `linux-image-6.1.0-56-cloud-amd64` (what the metapackage depends on now). */
export async function resolveKernelPackage(meta: string): Promise<string> {
  const out = await runTool('apt-cache', ['depends', '--no-recommends', '--no-suggests', meta], { timeoutMs: 60_000 });
  const m = /Depends:\s+(linux-image-[0-9]\S*)/.exec(out);
  if (!m?.[1]) throw unavailable(`apt-cache does not know which kernel ${meta} depends on`);
  return m[1];
}

/** Downloads the kernel package into debDir unless a copy is there; returns the .deb path. */
export async function fetchKernelDeb(meta: string, debDir: string): Promise<string> {
  mkdirSync(debDir, { recursive: true });
  const cached = () =>
    readdirSync(debDir)
      .filter((f) => f.startsWith('linux-image-') && f.endsWith('.deb'))
      .sort();
  let pkg: string;
  try {
    pkg = await resolveKernelPackage(meta);
  } catch (err) {
    const any = cached().at(-1);
    if (any) return join(debDir, any); // offline: use what was downloaded before
    throw err;
  }
  const have = cached().find((f) => f.startsWith(`${pkg}_`));
  if (have) return join(debDir, have);
  await runTool('apt-get', ['download', '-q', pkg], { cwd: debDir, timeoutMs: 300_000 });
  const got = cached().find((f) => f.startsWith(`${pkg}_`));
  if (!got) throw unavailable(`apt-get download ${pkg} left no .deb in ${debDir}`);
  return join(debDir, got);
}

/** Unpacks the package; returns the kernel release (e.g. 6.1.0-56-cloud-amd64) and the bzImage path. */
export async function unpackKernel(deb: string, dir: string): Promise<{ release: string; bzImage: string; modules: string }> {
  mkdirSync(dir, { recursive: true });
  await runTool('dpkg-deb', ['-x', deb, dir], { timeoutMs: 120_000 });
  const vmlinuz = readdirSync(join(dir, 'boot')).find((f) => f.startsWith('vmlinuz-'));
  if (!vmlinuz) throw corrupt(`${deb} holds no /boot/vmlinuz-*`);
  const release = vmlinuz.slice('vmlinuz-'.length);
  return { release, bzImage: join(dir, 'boot', vmlinuz), modules: join(dir, 'lib', 'modules', release) };
}

const lz4LegacyMagic = Buffer.from([0x02, 0x21, 0x4c, 0x18]);
const elfMagic = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/** Cuts the lz4 payload out of a bzImage and decompresses it to an ELF vmlinux. */
export async function extractVmlinux(bzImage: string, out: string, workDir: string): Promise<void> {
  const data = readFileSync(bzImage);
  const at = data.indexOf(lz4LegacyMagic);
  if (at < 0) throw corrupt(`${bzImage}: no lz4 payload found (is the kernel lz4-compressed?)`);
  const payload = join(workDir, 'vmlinux.lz4');
  writeFileSync(payload, data.subarray(at));
  // lz4 reports the bytes after the compressed stream (bzImage trailer) as an error; the output is complete.
  await runTool('lz4', ['-d', '-f', '-q', payload, out], { timeoutMs: 120_000 }).catch(() => undefined);
  const head = Buffer.alloc(4);
  try {
    const fd = openSync(out, 'r');
    readSync(fd, head, 0, 4, 0);
    closeSync(fd);
  } catch {
    throw corrupt(`lz4 could not decompress the kernel from ${bzImage}`);
  }
  if (!head.equals(elfMagic)) throw corrupt(`the kernel decompressed from ${bzImage} is not an ELF file`);
}
