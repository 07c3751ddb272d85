// `edgepush registry start|stop|status`: runs Debian's `docker-registry` (CNCF distribution 2.8) as a
// background process on a loopback address, with its own config, storage and log under the state directory.
// Its access log is also the registry's own count of what it sent (`http.response.written`), which the fleet
// rollout reports as registry egress.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod';
import { invalidInput, unavailable } from '../shared/errors.js';
import { processAlive } from '../shared/processAlive.js';

export interface RegistryServerOptions {
  address?: string;
  port?: number;
  dataDir?: string;
  /** The distribution binary (default: `docker-registry`, Debian's name, then `registry`). */
  binary?: string;
  timeoutMs?: number;
}

const stateSchema = z.object({
  pid: z.number().int(),
  address: z.string(),
  port: z.number().int(),
  dataDir: z.string(),
  logPath: z.string(),
  url: z.string(),
  startedAt: z.string(),
});
export type RunningRegistry = z.infer<typeof stateSchema>;

export const DEFAULT_REGISTRY_ADDRESS = '127.0.0.20';
export const DEFAULT_REGISTRY_PORT = 5000;

function stateRoot(): string {
  const base = process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state');
  return join(base, 'edgepush', 'registries');
}

const idOf = (address: string, port: number) => `${address.replace(/[^0-9a-z.]+/gi, '-')}-${port}`;
const statePath = (address: string, port: number) => join(stateRoot(), `${idOf(address, port)}.json`);

/** True when `pid` is still the registry we started (a pid can be reused by another program). */
function isOurs(r: RunningRegistry): boolean {
  if (!processAlive(r.pid)) return false;
  try {
    return readFileSync(`/proc/${r.pid}/cmdline`, 'utf8').includes(join(r.dataDir, 'config.yml'));
  } catch {
    return true; // no /proc: trust the pid
  }
}

function findBinary(explicit?: string): string {
  const candidates = explicit ? [explicit] : ['docker-registry', 'registry'];
  for (const c of candidates) {
    if (spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0) return c;
  }
  throw unavailable(
    explicit
      ? `registry binary '${explicit}' does not run`
      : "no registry binary: install Debian's docker-registry (apt-get install docker-registry; scripts/setup.sh does it)",
  );
}

function configYaml(address: string, port: number, dataDir: string): string {
  // storage.delete lets `image` clean-ups and tests remove what they pushed; no auth on loopback.
  return [
    'version: 0.1',
    'log:',
    '  level: info',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(join(dataDir, 'storage'))}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: ${JSON.stringify(`${address}:${port}`)}`,
    '  headers:',
    '    X-Content-Type-Options: [nosniff]',
    '',
  ].join('\n');
}

async function answers(url: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return res.status === 200 || res.status === 401;
  } catch {
    return false;
  }
}

export async function registryStatus(
  address = DEFAULT_REGISTRY_ADDRESS,
  port = DEFAULT_REGISTRY_PORT,
): Promise<(RunningRegistry & { answering: boolean }) | undefined> {
  const p = statePath(address, port);
  if (!existsSync(p)) return undefined;
  const parsed = stateSchema.safeParse(JSON.parse(readFileSync(p, 'utf8')));
  if (!parsed.success || !isOurs(parsed.data)) {
    rmSync(p, { force: true });
    return undefined;
  }
  return { ...parsed.data, answering: await answers(parsed.data.url) };
}

export async function listRegistries(): Promise<(RunningRegistry & { answering: boolean })[]> {
  if (!existsSync(stateRoot())) return [];
  const out: (RunningRegistry & { answering: boolean })[] = [];
  for (const f of readdirSync(stateRoot()).filter((n) => n.endsWith('.json'))) {
    const parsed = stateSchema.safeParse(JSON.parse(readFileSync(join(stateRoot(), f), 'utf8')));
    if (!parsed.success) continue;
    const s = await registryStatus(parsed.data.address, parsed.data.port);
    if (s) out.push(s);
  }
  return out;
}

export async function startRegistry(opts: RegistryServerOptions = {}): Promise<RunningRegistry & { alreadyRunning: boolean }> {
  const address = opts.address ?? DEFAULT_REGISTRY_ADDRESS;
  const port = opts.port ?? DEFAULT_REGISTRY_PORT;
  if (!/^[0-9.]+$|^localhost$|^\[?::1\]?$/.test(address)) throw invalidInput(`registry address '${address}': an IPv4 address or localhost`);
  const existing = await registryStatus(address, port);
  if (existing?.answering) return { ...existing, alreadyRunning: true };
  const binary = findBinary(opts.binary);
  const dataDir = opts.dataDir ?? join(stateRoot(), idOf(address, port));
  mkdirSync(join(dataDir, 'storage'), { recursive: true });
  const configPath = join(dataDir, 'config.yml');
  writeFileSync(configPath, configYaml(address, port, dataDir));
  const logPath = join(dataDir, 'registry.log');
  const log = openSync(logPath, 'a');
  const child = spawn(binary, ['serve', configPath], { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  child.unref();
  const url = `http://${address}:${port}`;
  const state: RunningRegistry = { pid: child.pid ?? -1, address, port, dataDir, logPath, url, startedAt: new Date().toISOString() };
  const deadline = Date.now() + (opts.timeoutMs ?? 15000);
  let exited = false;
  child.once('exit', () => (exited = true));
  while (!(await answers(url, 500))) {
    if (exited || Date.now() > deadline) {
      if (!exited) process.kill(state.pid, 'SIGKILL');
      const tail = readFileSync(logPath, 'utf8').trim().split('\n').slice(-3).join(' | ');
      throw unavailable(`registry on ${address}:${port} did not start: ${tail || 'no output'}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  mkdirSync(stateRoot(), { recursive: true });
  writeFileSync(statePath(address, port), JSON.stringify(state));
  return { ...state, alreadyRunning: false };
}

/** Stops a registry started by `startRegistry`; false when none runs there. */
export async function stopRegistry(address = DEFAULT_REGISTRY_ADDRESS, port = DEFAULT_REGISTRY_PORT, timeoutMs = 10000): Promise<boolean> {
  const s = await registryStatus(address, port);
  if (!s) return false;
  process.kill(s.pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (processAlive(s.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (processAlive(s.pid)) process.kill(s.pid, 'SIGKILL');
  rmSync(statePath(address, port), { force: true });
  return true;
}

/**
 * Bytes the registry itself says it sent, from its log (`http.response.written=N` on each completed request but
 * HEADs),
 * from byte `fromOffset` of the log on; returns the total and the log's new end (to count one run only).
 */
export function registryEgress(
  logPath: string,
  fromOffset = 0,
): { bytes: number; requests: number; offset: number; byKind: Record<string, { bytes: number; requests: number }> } {
  const text = existsSync(logPath) ? readFileSync(logPath) : Buffer.alloc(0);
  let bytes = 0;
  let requests = 0;
  const byKind: Record<string, { bytes: number; requests: number }> = {};
  for (const line of text.subarray(fromOffset).toString('utf8').split('\n')) {
    const w = /http\.response\.written=(\d+)/.exec(line);
    // A HEAD answer carries no body (distribution logs its Content-Length as written all the same).
    if (!w || /http\.request\.method=HEAD/.test(line)) continue;
    const n = Number(w[1]);
    bytes += n;
    requests++;
    const method = /http\.request\.method=(\w+)/.exec(line)?.[1] ?? '?';
    const uri = /http\.request\.uri="?([^" ]+)/.exec(line)?.[1] ?? '';
    const kind = `${method} ${/\/blobs\/uploads/.test(uri) ? 'upload' : /\/blobs\//.test(uri) ? 'blob' : /\/manifests\//.test(uri) ? 'manifest' : /\/referrers\//.test(uri) ? 'referrers' : 'other'}`;
    const k = (byKind[kind] ??= { bytes: 0, requests: 0 });
    k.bytes += n;
    k.requests++;
  }
  return { bytes, requests, offset: text.length, byKind };
}
