// Is KVM really usable? On some hosts /dev/kvm exists but a guest never runs (no nested virtualisation), so the
// probe boots the board's kernel for a moment under KVM and waits a few seconds for its first console line.
// The answer is remembered per host boot (keyed by the kernel's boot_id). EDGEPUSH_BOARD_ACCEL=tcg|kvm overrides.
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import type { Accel } from './qemuArgs.js';

const probeRecord = z.object({ bootId: z.string(), accel: z.enum(['kvm', 'tcg']) });

function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

export function kvmDeviceUsable(): boolean {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Boots `kernel` under KVM with no disk; true if it prints its banner within timeoutMs. */
export function kvmBootsKernel(qemu: string, kernel: string, timeoutMs = 6000): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(
      qemu,
      [
        '-accel',
        'kvm',
        '-M',
        'microvm',
        '-cpu',
        'host',
        '-m',
        '128',
        '-nodefaults',
        '-no-user-config',
        '-display',
        'none',
        '-no-reboot',
        '-serial',
        'stdio',
        '-kernel',
        kernel,
        '-append',
        'console=ttyS0 panic=-1 root=/dev/none',
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let out = '';
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      if (/Linux version/.test(out)) finish(true);
      if (out.length > 100_000) out = out.slice(-1000);
    });
    child.on('error', () => finish(false));
    child.on('close', () => finish(/Linux version/.test(out)));
  });
}

export async function chooseAccel(qemu: string, kernel: string | undefined, stateDir: string, env = process.env): Promise<Accel> {
  const forced = env.EDGEPUSH_BOARD_ACCEL;
  if (forced === 'tcg' || forced === 'kvm') return forced;
  if (!kvmDeviceUsable() || !kernel) return 'tcg';
  const file = join(stateDir, 'kvm-probe.json');
  const id = bootId();
  try {
    const rec = probeRecord.parse(JSON.parse(readFileSync(file, 'utf8')));
    if (rec.bootId === id) return rec.accel;
  } catch {
    // no record yet
  }
  const accel: Accel = (await kvmBootsKernel(qemu, kernel)) ? 'kvm' : 'tcg';
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify({ bootId: id, accel })}\n`);
  return accel;
}
