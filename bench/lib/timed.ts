// Runs a command under GNU time: wall seconds and peak RSS, argv only (no shell).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Timed {
  /** wall clock */
  seconds: number;
  /** user + system CPU: steadier than wall time on a busy machine */
  cpuSeconds: number;
  rssMB: number;
}

export function timed(argv: string[], stdoutFile?: string): Timed {
  const dir = mkdtempSync(join(tmpdir(), 'ep-bench-'));
  const tf = join(dir, 'time');
  try {
    const args = ['-f', '%e %M %U %S', '-o', tf, ...(stdoutFile ? ['sh', '-c', 'exec "$0" "$@" > "$EP_OUT"', ...argv] : argv)];
    const r = spawnSync('/usr/bin/time', args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, EP_OUT: stdoutFile ?? '' } });
    if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr.toString().slice(0, 500)}`);
    const [sec, kb, user, sys] = readFileSync(tf, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    return { seconds: sec!, cpuSeconds: user! + sys!, rssMB: kb! / 1024 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
