// balena device types and their architectures, as balena's device-type contracts name them. The architecture
// follows from the type (what `%%BALENA_ARCH%%` resolves to and which `Dockerfile.<arch>` is picked); each
// architecture has a Docker platform, the Debian architecture its base images come from, what `uname -m` prints
// in its containers and the qemu-user binary that runs it on another machine.
import { EdgePushError } from './errors.js';

export const ARCHES = ['aarch64', 'armv7hf', 'rpi', 'amd64', 'i386'] as const;
export type Arch = (typeof ARCHES)[number];

export interface ArchInfo {
  /** Docker platform (os/architecture/variant), as the balena CLI maps the arch. */
  platform: string;
  /** Image config `Architecture` / `Variant`. */
  architecture: string;
  variant?: string;
  /** Debian architecture of the packages its base images are made from. */
  debian: string;
  /** What `uname -m` prints in a container of this arch (under qemu-user where not native). */
  unameM: string;
  /** The binfmt_misc handler (`/proc/sys/fs/binfmt_misc/<name>`) that runs it on another machine. */
  binfmt?: string;
}

export const ARCH_INFO: Record<Arch, ArchInfo> = {
  aarch64: { platform: 'linux/arm64/v8', architecture: 'arm64', variant: 'v8', debian: 'arm64', unameM: 'aarch64', binfmt: 'qemu-aarch64' },
  armv7hf: { platform: 'linux/arm/v7', architecture: 'arm', variant: 'v7', debian: 'armhf', unameM: 'armv7l', binfmt: 'qemu-arm' },
  // Debian's armel targets ARMv5 and runs on an ARMv6 Raspberry Pi; qemu-arm's default CPU says armv7l.
  rpi: { platform: 'linux/arm/v6', architecture: 'arm', variant: 'v6', debian: 'armel', unameM: 'armv7l', binfmt: 'qemu-arm' },
  amd64: { platform: 'linux/amd64', architecture: 'amd64', debian: 'amd64', unameM: 'x86_64' },
  i386: { platform: 'linux/386', architecture: '386', debian: 'i386', unameM: 'i686' },
};

export interface DeviceType {
  /** balena's slug (`BALENA_MACHINE_NAME`). */
  slug: string;
  /** The friendly name balena shows. */
  name: string;
  arch: Arch;
}

export const DEVICE_TYPES: readonly DeviceType[] = [
  { slug: 'raspberrypi4-64', name: 'Raspberry Pi 4 (using 64bit OS)', arch: 'aarch64' },
  { slug: 'raspberrypi5', name: 'Raspberry Pi 5', arch: 'aarch64' },
  { slug: 'raspberrypi0-2w-64', name: 'Raspberry Pi Zero 2 W (using 64bit OS)', arch: 'aarch64' },
  { slug: 'raspberrypi3-64', name: 'Raspberry Pi 3 (using 64bit OS)', arch: 'aarch64' },
  { slug: 'generic-aarch64', name: 'Generic AARCH64', arch: 'aarch64' },
  { slug: 'jetson-nano', name: 'Nvidia Jetson Nano SD-CARD', arch: 'aarch64' },
  { slug: 'raspberrypi3', name: 'Raspberry Pi 3', arch: 'armv7hf' },
  { slug: 'raspberrypi4', name: 'Raspberry Pi 4', arch: 'armv7hf' },
  { slug: 'raspberrypi2', name: 'Raspberry Pi 2', arch: 'armv7hf' },
  { slug: 'beaglebone-black', name: 'BeagleBone Black', arch: 'armv7hf' },
  { slug: 'raspberry-pi', name: 'Raspberry Pi (v1 / Zero / Zero W)', arch: 'rpi' },
  { slug: 'genericx86-64-ext', name: 'Generic x86_64 (GPT)', arch: 'amd64' },
  { slug: 'intel-nuc', name: 'Intel NUC', arch: 'amd64' },
  { slug: 'qemux86-64', name: 'QEMU X86 64bit', arch: 'amd64' },
  { slug: 'qemux86', name: 'QEMU X86 32bit', arch: 'i386' },
];

export const DEFAULT_DEVICE_TYPE = 'genericx86-64-ext';

export function isArch(a: string): a is Arch {
  return (ARCHES as readonly string[]).includes(a);
}

export function deviceTypeOf(slug: string): DeviceType | undefined {
  return DEVICE_TYPES.find((t) => t.slug === slug);
}

export function archInfo(arch: string): ArchInfo | undefined {
  return isArch(arch) ? ARCH_INFO[arch] : undefined;
}

/** This machine's arch in balena's names (amd64 on x86_64, aarch64 on arm64, ...). */
export function hostArch(): Arch {
  const map: Partial<Record<string, Arch>> = { x64: 'amd64', arm64: 'aarch64', arm: 'armv7hf', ia32: 'i386' };
  return map[process.arch] ?? 'amd64';
}

/**
 * The device type and arch a simulated device reports: the arch follows from a known type; `--arch` overrides
 * it; an unknown type needs `--arch`. No type: the generic type of this machine's arch. Throws invalid-input naming the known types and arches.
 */
export function resolveDeviceType(
  deviceType: string | undefined,
  arch: string | undefined,
  host: Arch = hostArch(),
): { deviceType: string; arch: Arch } {
  // Without a type, the generic one of this machine's arch (an agent inside an aarch64 board is generic-aarch64).
  const slug = deviceType ?? (host === 'aarch64' ? 'generic-aarch64' : DEFAULT_DEVICE_TYPE);
  if (arch !== undefined && !isArch(arch))
    throw new EdgePushError('invalid-input', `unknown architecture '${arch}' (known: ${ARCHES.join(', ')})`);
  const known = deviceTypeOf(slug);
  if (known) return { deviceType: slug, arch: arch ?? known.arch };
  if (arch !== undefined) return { deviceType: slug, arch };
  throw new EdgePushError(
    'invalid-input',
    `unknown device type '${slug}': give its --arch, or one of ${DEVICE_TYPES.map((t) => t.slug).join(', ')}`,
  );
}
