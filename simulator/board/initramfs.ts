// A tiny initramfs for the Debian board: Debian's cloud kernel has virtio-blk as a module, and the root disk must
// be virtio (QEMU 7.2's NVMe device cannot be migrated, and migration is how a board's running state is saved for
// warm starts, snapshot.ts). It holds a static busybox, the virtio modules (disk and network), and an /init that loads them,
// mounts /dev/vda and switches to it, running tini and the board's init as before. Written as a newc cpio by
// hand (a few lines; no cpio tool needed on the host), uncompressed (the kernel reads it at memory speed).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Load order matters: each module needs the ones before it (modules.dep: virtio needs virtio_ring). */
export const initramfsModules = [
  'kernel/drivers/virtio/virtio_ring.ko',
  'kernel/drivers/virtio/virtio.ko',
  'kernel/drivers/virtio/virtio_pci_legacy_dev.ko',
  'kernel/drivers/virtio/virtio_pci_modern_dev.ko',
  'kernel/drivers/virtio/virtio_pci.ko',
  'kernel/drivers/block/virtio_blk.ko',
  // the network's driver too: insmod here is cheaper than the init's modprobe (kmod parsing modules.dep under TCG)
  'kernel/net/core/failover.ko',
  'kernel/drivers/net/net_failover.ko',
  'kernel/drivers/net/virtio_net.ko',
];

export const initramfsInit = `#!/bin/busybox sh
# edgepush board initramfs: virtio modules, then the root disk (/dev/vda), then tini and /sbin/edgeinit ("$@").
B=/bin/busybox
$B mount -t proc proc /proc
$B mount -t devtmpfs devtmpfs /dev
for m in ${initramfsModules.map((m) => m.split('/').pop()).join(' ')}; do $B insmod /lib/modules/$m 2>/dev/console; done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 1000 ]; do $B usleep 10000; i=$((i + 1)); done
if ! $B mount -t ext4 -o rw /dev/vda /root; then
  echo "edgepush initramfs: the root disk /dev/vda cannot be mounted" >/dev/console
  $B poweroff -f
fi
$B umount /proc
$B mount -o move /dev /root/dev
exec $B switch_root /root /usr/bin/tini "$@"
`;

interface CpioEntry {
  name: string;
  mode: number;
  data?: Buffer;
  /** For device nodes: major and minor. */
  rdev?: [number, number];
}

function header(e: CpioEntry, ino: number): Buffer {
  const size = e.data?.length ?? 0;
  const fields = [ino, e.mode, 0, 0, 1, 0, size, 0, 0, e.rdev?.[0] ?? 0, e.rdev?.[1] ?? 0, e.name.length + 1, 0];
  return Buffer.from(`070701${fields.map((f) => f.toString(16).padStart(8, '0')).join('')}${e.name}\0`, 'latin1');
}

const pad4 = (n: number) => Buffer.alloc((4 - (n % 4)) % 4);

/** A newc ("070701") cpio archive, as the kernel unpacks into its rootfs. */
export function cpioNewc(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  for (const e of [...entries, { name: 'TRAILER!!!', mode: 0 }]) {
    const h = header(e, ino++);
    parts.push(h, pad4(h.length));
    if (e.data) parts.push(e.data, pad4(e.data.length));
  }
  return Buffer.concat(parts);
}

const dir = (name: string): CpioEntry => ({ name, mode: 0o040755 });

/** Writes the initramfs for a kernel whose modules are in `modulesDir` (lib/modules/<release>). */
export function writeInitramfs(out: string, modulesDir: string, busybox = '/bin/busybox'): void {
  const entries: CpioEntry[] = [
    ...['bin', 'dev', 'lib', 'lib/modules', 'proc', 'root'].map(dir),
    { name: 'dev/console', mode: 0o020600, rdev: [5, 1] },
    { name: 'bin/busybox', mode: 0o100755, data: readFileSync(busybox) },
    { name: 'init', mode: 0o100755, data: Buffer.from(initramfsInit) },
    ...initramfsModules.map((m): CpioEntry => ({
      name: `lib/modules/${m.split('/').pop()}`,
      mode: 0o100644,
      data: readFileSync(join(modulesDir, m)),
    })),
  ];
  writeFileSync(out, cpioNewc(entries));
}
