// The QEMU command line, built as an argv array from plain data (no shell). Two kinds of board:
// - `debian`: the image built here, booted directly from its ELF kernel on the lean `microvm` machine with a tiny
//   initramfs (initramfs.ts) that loads virtio-blk, root on a virtio disk, the agent on a second small virtio disk;
// - `debian` on `virt` (aarch64): the image built for arm64 on qemu-system-aarch64's virt machine, the same
//   initramfs and virtio disks, and a virtio-serial port for the power button (see powerPort);
// - `balena`: a user's balenaOS genericx86-64 image, booted through UEFI firmware (OVMF) on a q35 PC with the
//   disk on SATA (AHCI) and virtio networking, as balena documents for running its images in QEMU.
// Both forward the device ports from a chosen host loopback address, so tools treat the board as a LAN device.

/** Supervisor API, engine, SSH: the ports a balenaOS development device answers on. */
export const forwardedPorts = [48484, 2375, 22222] as const;

export type Accel = 'kvm' | 'tcg';

interface CommonSpec {
  name: string;
  address: string;
  memoryMiB: number;
  cpus: number;
  accel: Accel;
  overlay: string;
  console: string;
  qmp: string;
  /** CPU model (default: `host` under KVM, `max` under TCG). */
  cpu?: string;
}

export interface DebianBoardSpec extends CommonSpec {
  kind: 'debian';
  kernel: string;
  initrd: string;
  agentDisk: string;
  kernelArgs: string[];
  /** Arguments the kernel passes on to init (after `--`). */
  initArgs: string[];
  /** Host TSC frequency in kHz: without it the microvm guest sometimes hangs calibrating its clock. */
  tscKHz?: number;
  /** `virt`: the aarch64 board (qemu-system-aarch64); default the x86 microvm. */
  machine?: 'microvm' | 'virt';
  /** The virt board's power button: the unix socket of its virtio-serial port (powerPort). */
  powerButton?: string;
}

export interface BalenaBoardSpec extends CommonSpec {
  kind: 'balena';
  /** UEFI firmware (Debian package `ovmf`: /usr/share/ovmf/OVMF.fd). */
  firmware: string;
}

export type BoardSpec = DebianBoardSpec | BalenaBoardSpec;

export function hostForwards(address: string, ports: readonly number[] = forwardedPorts): string {
  return ports.map((p) => `hostfwd=tcp:${address}:${p}-:${p}`).join(',');
}

function common(spec: CommonSpec): string[] {
  return [
    '-name',
    `edgepush-${spec.name}`,
    '-accel',
    spec.accel === 'kvm' ? 'kvm' : 'tcg',
    '-cpu',
    spec.cpu ?? (spec.accel === 'kvm' ? 'host' : 'max'),
    '-m',
    String(spec.memoryMiB),
    '-smp',
    String(spec.cpus),
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-chardev',
    `file,id=console,path=${spec.console}`,
    '-serial',
    'chardev:console',
    '-qmp',
    `unix:${spec.qmp},server=on,wait=off`,
    '-netdev',
    `user,id=net0,${hostForwards(spec.address)}`,
    '-device',
    'virtio-net-pci,netdev=net0',
  ];
}

/**
 * The virt machine's own power button is a gpio-keys device, and Debian's arm64 cloud kernel has no gpio-keys
 * driver: `system_powerdown` never reaches the guest. Its power button is a virtio-serial port instead, whose host
 * side is a unix socket (power.ts writes a line to it); the init powers off on any line read from it.
 */
export const powerPort = { chardev: 'power', name: 'edgepush.power' } as const;

/** The aarch64 board: QEMU's `virt` machine (PCIe, PL011 console), the same kernel boot, initramfs and disks as microvm. */
export function virtBoardArgs(spec: DebianBoardSpec): string[] {
  return [
    '-M',
    'virt',
    ...common(spec),
    '-no-reboot',
    '-kernel',
    spec.kernel,
    '-initrd',
    spec.initrd,
    '-append',
    [...spec.kernelArgs, ...spec.initArgs].join(' '),
    ...virtioDisks(spec),
    ...(spec.powerButton ? powerButtonArgs(spec.powerButton) : []),
  ];
}

function powerButtonArgs(socket: string): string[] {
  return [
    '-chardev',
    `socket,id=${powerPort.chardev},path=${socket},server=on,wait=off`,
    '-device',
    'virtio-serial-pci,id=serial0',
    '-device',
    `virtserialport,bus=serial0.0,chardev=${powerPort.chardev},name=${powerPort.name}`,
  ];
}

/** Both disks virtio (migratable, unlike NVMe): the root disk first (/dev/vda), the agent disk second (/dev/vdb). */
function virtioDisks(spec: DebianBoardSpec): string[] {
  return [
    '-drive',
    `file=${spec.overlay},if=none,id=root,format=qcow2,cache=writeback`,
    '-device',
    'virtio-blk-pci,drive=root,id=rootdisk',
    '-drive',
    `file=${spec.agentDisk},if=none,id=agent,format=raw`,
    '-device',
    'virtio-blk-pci,drive=agent,id=agentdisk',
  ];
}

export function debianBoardArgs(spec: DebianBoardSpec): string[] {
  if (spec.machine === 'virt') return virtBoardArgs(spec);
  const kernelArgs = [...spec.kernelArgs];
  if (spec.tscKHz) kernelArgs.push(`tsc_early_khz=${spec.tscKHz}`);
  kernelArgs.push(...spec.initArgs);
  return [
    '-M',
    'microvm,pcie=on,rtc=on,pit=on,pic=on,acpi=on',
    ...common(spec),
    // the init only ever powers off; a reboot request means something went wrong, so QEMU ends too
    '-no-reboot',
    '-kernel',
    spec.kernel,
    '-initrd',
    spec.initrd,
    '-append',
    kernelArgs.join(' '),
    ...virtioDisks(spec),
  ];
}

export function balenaBoardArgs(spec: BalenaBoardSpec): string[] {
  return [
    '-M',
    'q35',
    ...common(spec),
    // no -no-reboot: balenaOS reboots on its own (supervisor reboot API, host OS updates) like a real device
    '-bios',
    spec.firmware,
    '-device',
    'ahci,id=ahci',
    '-drive',
    `file=${spec.overlay},if=none,id=disk,format=qcow2,cache=writeback`,
    '-device',
    'ide-hd,drive=disk,bus=ahci.0',
  ];
}

export function boardArgs(spec: BoardSpec): string[] {
  return spec.kind === 'debian' ? debianBoardArgs(spec) : balenaBoardArgs(spec);
}
