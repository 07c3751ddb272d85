// balenaEngine's own `image delta` as an anchor for bench:delta: the real engine (20.10.44, built from its
// sources, ../shared/real-supervisor/balena-engine) runs as a private daemon in a temp folder; each pair's
// old and new tar become single-layer images (`import`), `image delta` makes the delta image, and its layer is
// measured gzip-compressed, as a registry would send it. Its CPU is the daemon's (the client only waits).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Timed } from './timed.js';

const installer = resolve('../shared/real-supervisor/balena-engine/install.sh');
const binDir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'edgepush-bench', 'balena-engine');

function cpuOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
}

export class BalenaEngine {
  private constructor(
    private readonly dir: string,
    private readonly daemon: ChildProcess,
  ) {}

  private get client(): string[] {
    return [join(binDir, 'balena-engine'), '-H', `unix://${join(this.dir, 'be.sock')}`];
  }

  /** Starts a private daemon, or returns undefined (with the reason printed) when it cannot run here. */
  static async start(): Promise<BalenaEngine | undefined> {
    if (!existsSync(installer)) {
      console.log(`balenaEngine anchor skipped: ${installer} not found`);
      return undefined;
    }
    if (spawnSync('bash', [installer, binDir], { stdio: 'ignore' }).status !== 0) {
      console.log('balenaEngine anchor skipped: install.sh failed');
      return undefined;
    }
    const dir = mkdtempSync(join(tmpdir(), 'ep-balena-engine-'));
    const daemon = spawn(
      join(binDir, 'balena-engine-daemon'),
      [
        '--data-root',
        join(dir, 'data'),
        '--exec-root',
        join(dir, 'exec'),
        '-H',
        `unix://${join(dir, 'be.sock')}`,
        '--pidfile',
        join(dir, 'pid'),
        '--iptables=false',
        '--bridge=none',
      ],
      {
        stdio: 'ignore',
        env: { ...process.env, PATH: `${binDir}:${process.env.PATH ?? ''}` },
      },
    );
    const engine = new BalenaEngine(dir, daemon);
    for (let i = 0; i < 60; i++) {
      if (spawnSync(engine.client[0]!, [...engine.client.slice(1), 'version'], { stdio: 'ignore' }).status === 0) return engine;
      await new Promise((r) => setTimeout(r, 500));
    }
    console.log('balenaEngine anchor skipped: the daemon did not answer in 30 s');
    await engine.stop();
    return undefined;
  }

  private run(args: string[], input?: string): string {
    const r = spawnSync(this.client[0]!, [...this.client.slice(1), ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`balena-engine ${args[0]} failed: ${r.stderr.slice(0, 400)}${input ?? ''}`);
    return r.stdout + r.stderr;
  }

  /** `image delta` between the two tars as images: the delta layer's gzip -6 size, the daemon's CPU. */
  delta(oldTar: string, newTar: string): Timed & { bytes: number } {
    this.run(['import', oldTar, 'ep-bench:old']);
    this.run(['import', newTar, 'ep-bench:new']);
    const pid = this.daemon.pid!;
    const cpu0 = cpuOf(pid);
    const t0 = performance.now();
    const out = this.run(['image', 'delta', 'ep-bench:old', 'ep-bench:new']);
    const seconds = (performance.now() - t0) / 1000;
    const cpuSeconds = cpuOf(pid) - cpu0;
    const id = /Created delta: (sha256:[0-9a-f]{64})/.exec(out)?.[1];
    if (!id) throw new Error(`balena-engine image delta said: ${out.slice(-300)}`);
    const save = `"$0" -H "$1" save "$2" | tar -xO --wildcards '*/layer.tar' | gzip -6 | wc -c`;
    const sized = spawnSync('sh', ['-c', save, this.client[0]!, this.client[2]!, id], { encoding: 'utf8' });
    const bytes = Number(sized.stdout.trim());
    this.run(['rmi', '-f', id, 'ep-bench:old', 'ep-bench:new']);
    return { bytes, seconds, cpuSeconds, rssMB: NaN };
  }

  async stop(): Promise<void> {
    this.daemon.kill('SIGTERM');
    await new Promise<void>((r) => (this.daemon.exitCode !== null ? r() : this.daemon.once('exit', () => r())));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
