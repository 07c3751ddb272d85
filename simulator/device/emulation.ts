// A simulated device of another architecture runs its containers' binaries under qemu-user, through the host
// kernel's binfmt_misc handlers (Debian's qemu-user-static + binfmt-support register them with the F flag, so
// they work inside containers). Checked when the device starts on this machine's engine: a missing handler is
// a clear error saying what to install, not an `exec format error` from the first container.
import { readFileSync } from 'node:fs';
import { archInfo, hostArch } from '../shared/deviceTypes.js';
import { EdgePushError } from '../shared/errors.js';

export const BINFMT_DIR = '/proc/sys/fs/binfmt_misc';

export type EmulationState = { ok: true; native: boolean } | { ok: false; reason: string };

/** Pure: whether a handler's /proc text (`enabled`, `flags: PF`, ...) runs binaries in containers. */
export function handlerUsable(text: string | undefined): { ok: boolean; why?: string } {
  if (text === undefined) return { ok: false, why: 'not registered' };
  if (!/^enabled$/m.test(text)) return { ok: false, why: 'registered but disabled' };
  const flags = /^flags:\s*(\S*)$/m.exec(text)?.[1] ?? '';
  if (!flags.includes('F')) return { ok: false, why: 'registered without the F flag (containers cannot see the interpreter)' };
  return { ok: true };
}

export function emulationState(arch: string, read: (path: string) => string | undefined = readText, host = hostArch()): EmulationState {
  const info = archInfo(arch);
  if (!info || arch === host || (host === 'amd64' && arch === 'i386')) return { ok: true, native: true };
  if (!info.binfmt) return { ok: false, reason: `no emulation known for ${arch}` };
  if (read(`${BINFMT_DIR}/status`) === undefined) return { ok: false, reason: `binfmt_misc is not mounted at ${BINFMT_DIR}` };
  const usable = handlerUsable(read(`${BINFMT_DIR}/${info.binfmt}`));
  return usable.ok ? { ok: true, native: false } : { ok: false, reason: `the ${info.binfmt} binfmt handler is ${usable.why}` };
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export const EMULATION_HELP =
  'as root: apt-get install qemu-user-static binfmt-support && mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null; update-binfmts --enable (bash scripts/setup.sh arm does it)';

/** Throws `unavailable` when this machine cannot run the arch's binaries in containers. */
export function checkEmulation(arch: string, deviceType: string): void {
  const s = emulationState(arch);
  if (!s.ok)
    throw new EdgePushError(
      'unavailable',
      `a simulated ${deviceType} device (${arch}) runs its containers under qemu-user, but ${s.reason}; ${EMULATION_HELP}`,
    );
}
