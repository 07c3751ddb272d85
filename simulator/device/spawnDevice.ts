// Starts `node <cliPath> device ...` as a child process and resolves once its /ping answers: how the
// extension, `edgepush demo` and tests run a simulated device.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { cancelled, EdgePushError } from '../shared/errors.js';

export interface SpawnDeviceOptions {
  cliPath: string;
  address: string;
  name?: string;
  dataDir?: string;
  link?: string;
  engine?: string;
  deviceType?: string;
  arch?: string;
  announce?: string;
  apiKey?: string;
  localModeOpen?: boolean;
  allowPrivileged?: boolean;
  /** A stock device (`--stock`): no EdgePush endpoints. */
  stock?: boolean;
  /** `--disk-free SIZE` (e.g. '50MB'). */
  diskFree?: string;
  /** Extra environment for the child (e.g. EDGEPUSH_DELTA_APPLY_BUDGET_MS). */
  env?: Record<string, string>;
  /** Where the child's stderr goes (default: ignored). */
  onStderr?(chunk: string): void;
  timeoutMs?: number;
  /** Stops waiting for /ping: the child is stopped and the call rejects with a `cancelled` error. */
  signal?: AbortSignal;
  nodePath?: string;
}

export interface SpawnedDevice {
  address: string;
  pid: number;
  /** SIGTERM, then SIGKILL after 15 s; resolves when the process has exited. */
  stop(): Promise<void>;
  /** Exit code (or 128+signal) once the process ends. */
  exited: Promise<number>;
}

export function pingDevice(address: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: address, port: 48484, path: '/ping', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

/**
 * How an agent is run so that many fit on one machine (measured by `npm run bench -- agent`): a 1 MB young
 * generation (the default grows to 16 MB semi-spaces an idle agent never needs) and one malloc arena (glibc
 * gives every thread its own, 30 MB of mostly idle memory for libuv's pool and V8's helpers). The rest is the
 * bundle: `edgepush device` loads dist/agent.js (the device code alone) with require(), which neither compiles
 * push, board and fleet code nor runs Node's export lexer over a megabyte of source. An idle agent is about 53 MB
 * resident, 40 of them the node binary's own pages (shared by every agent), 15 MB private.
 * After an update the agent stays there: code that ran once (a push, a pull) is not worth V8's optimizing compiler,
 * whose 3 MB of machine code and its scratch memory would stay resident, so functions are optimized only after
 * about 75 times V8's default amount of work (the delta codec and log floods still are, within milliseconds); and
 * glibc's heap is trimmed at a fixed 128 KB, and every block from 4 KB up is mapped apart and unmapped when freed
 * (not at a threshold that grows with the largest block freed): a delta applied on a worker thread leaves V8's
 * zone segments and the codec's buffers scattered over the heap, and with glibc's defaults 6-10 MB of freed memory
 * stayed resident after each release, 53 -> 66 MB over three delta releases; now 53 -> 57. Measured by
 * `npm run bench:agent` (idle, then after an update) and `npm run bench:fleet` (idle after each release).
 * Those separate mappings are fresh pages each time, and the kernel faulted them in 4 KB at a time: 10 ms for
 * the 11 MB prediction of a delta apply, as long as copying it 5 times. So glibc asks for transparent huge pages
 * on mappings of 2 MB and more (glibc.malloc.hugetlb=1: madvise, which a kernel without THP ignores): the same
 * buffer in 3 ms; a device's first apply of the five public pairs went from 159 to 206 MB/s (interleaved runs
 * of `bench/lib/engineOnce.ts`; `npm run bench:delta` has the row). Smaller blocks, and so an idle agent, are as
 * before.
 */
export const AGENT_NODE_FLAGS = ['--max-semi-space-size=1', '--interrupt-budget=5000000'];
export const AGENT_ENV = {
  MALLOC_ARENA_MAX: '1',
  MALLOC_TRIM_THRESHOLD_: '131072',
  MALLOC_MMAP_THRESHOLD_: '4096',
  GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1',
};

/** Node's arguments and environment for `edgepush device ARGS...`: every way EdgePush starts an agent goes here. */
export function agentProcess(
  cliPath: string,
  deviceArgs: readonly string[],
  env?: NodeJS.ProcessEnv,
): { argv: string[]; env: NodeJS.ProcessEnv } {
  return { argv: [...AGENT_NODE_FLAGS, cliPath, 'device', ...deviceArgs], env: { ...AGENT_ENV, ...process.env, ...env } };
}

export async function spawnSimulatedDevice(opts: SpawnDeviceOptions): Promise<SpawnedDevice> {
  const argv = ['--address', opts.address];
  const add = (flagName: string, v: string | undefined) => v !== undefined && argv.push(flagName, v);
  add('--name', opts.name);
  add('--data', opts.dataDir);
  add('--link', opts.link);
  add('--engine', opts.engine);
  add('--device-type', opts.deviceType);
  add('--arch', opts.arch);
  add('--announce', opts.announce);
  add('--api-key', opts.apiKey);
  if (opts.localModeOpen) argv.push('--local-mode-open');
  if (opts.allowPrivileged) argv.push('--allow-privileged');
  if (opts.stock) argv.push('--stock');
  add('--disk-free', opts.diskFree);
  const agent = agentProcess(opts.cliPath, argv, opts.env);
  const child = spawn(opts.nodePath ?? process.execPath, agent.argv, { stdio: ['ignore', 'ignore', 'pipe'], env: agent.env });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (c: string) => {
    stderr = (stderr + c).slice(-4000);
    opts.onStderr?.(c);
  });
  const exited = new Promise<number>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + (signal === 'SIGKILL' ? 9 : 15) : 1)));
    child.on('error', (err) => {
      stderr += `\n${err.message}`;
      resolve(1);
    });
  });
  let done = false;
  void exited.then(() => (done = true));
  const stop = async () => {
    if (done) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 15000);
    await exited;
    clearTimeout(t);
  };
  const timeoutMs = opts.timeoutMs ?? 20000;
  const deadline = Date.now() + timeoutMs;
  while (!(await pingDevice(opts.address, 500))) {
    if (opts.signal?.aborted) {
      await stop();
      throw cancelled(`starting the simulated device at ${opts.address} was cancelled`);
    }
    if (done)
      throw new EdgePushError(
        'unavailable',
        `simulated device at ${opts.address} exited before answering: ${stderr.trim().split('\n').pop() ?? ''}`,
      );
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new EdgePushError('unavailable', `simulated device at ${opts.address} did not answer /ping within ${timeoutMs / 1000} s`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return {
    address: opts.address,
    pid: child.pid ?? -1,
    exited,
    stop,
  };
}
