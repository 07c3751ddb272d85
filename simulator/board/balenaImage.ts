// balenaOS images for genericx86-64 boot through UEFI: QEMU needs OVMF firmware (Debian package `ovmf`).
// The rest (q35 machine, SATA disk, virtio network, forwarded ports) is in qemuArgs.ts; the supervisor of a
// development image answers on 48484 like the Debian board's agent, so the same boot watch applies.
import { existsSync } from 'node:fs';
import { unavailable } from '../shared/errors.js';

const firmwareCandidates = ['/usr/share/ovmf/OVMF.fd', '/usr/share/qemu/OVMF.fd', '/usr/share/OVMF/OVMF.fd'];

export function findFirmware(env = process.env): string {
  const explicit = env.EDGEPUSH_OVMF;
  if (explicit && existsSync(explicit)) return explicit;
  const found = firmwareCandidates.find((f) => existsSync(f));
  if (!found) {
    throw unavailable('booting a balenaOS image needs UEFI firmware: apt-get install ovmf (or set EDGEPUSH_OVMF=/path/OVMF.fd)');
  }
  return found;
}
