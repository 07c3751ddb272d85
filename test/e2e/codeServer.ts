// An isolated code-server for end-to-end tests: its own config, data, extensions and temp folders, the packaged
// .vsix installed, started in its own process group (so its helpers and the extension's child processes stop
// with it). See /work/shared/docs/vscode-e2e.md.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '..', '..');
export const codeServerBin = join(repoRoot, 'test', 'e2e', '.code-server', 'node_modules', '.bin', 'code-server');

export function vsixPath(): string {
  const { name, version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { name: string; version: string };
  return join(repoRoot, `${name}-${version}.vsix`);
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolvePort(addr.port) : reject(new Error('no port'))));
    });
  });
}

export interface CodeServer {
  url: string;
  root: string;
  userDataDir: string;
  output(): string;
  stop(): Promise<void>;
}

export async function startCodeServer(workspace: string, settings: Record<string, unknown>): Promise<CodeServer> {
  if (!existsSync(codeServerBin))
    throw new Error(`code-server is not installed: run 'bash scripts/setup-e2e.sh' (expected ${codeServerBin})`);
  const vsix = vsixPath();
  if (!existsSync(vsix)) throw new Error(`${vsix} is missing: run 'npm run package' (npm run test:e2e does)`);
  const root = mkdtempSync(join(tmpdir(), 'edgepush-e2e-'));
  const dirs = {
    config: join(root, 'config'),
    data: join(root, 'data'),
    tmp: join(root, 'tmp'),
    user: join(root, 'user'),
    ext: join(root, 'extensions'),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  mkdirSync(join(dirs.user, 'User'), { recursive: true });
  writeFileSync(
    join(dirs.user, 'User', 'settings.json'),
    JSON.stringify({ 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', ...settings }, null, 2),
  );
  const env = { ...process.env, XDG_CONFIG_HOME: dirs.config, XDG_DATA_HOME: dirs.data, TMPDIR: dirs.tmp };
  const inst = spawnSync(codeServerBin, ['--user-data-dir', dirs.user, '--extensions-dir', dirs.ext, '--install-extension', vsix], {
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (inst.status !== 0) throw new Error(`installing ${vsix} failed: ${inst.stdout}\n${inst.stderr}`);
  const port = await freePort();
  let out = '';
  const child: ChildProcess = spawn(
    codeServerBin,
    [
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--user-data-dir',
      dirs.user,
      '--extensions-dir',
      dirs.ext,
      workspace,
    ],
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (b: Buffer) => (out = (out + b.toString()).slice(-20_000)));
  child.stderr?.on('data', (b: Buffer) => (out = (out + b.toString()).slice(-20_000)));
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.pid && child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      const t = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 5000);
      await exited;
      clearTimeout(t);
    }
    rmSync(root, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      /* not yet */
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, root, userDataDir: dirs.user, output: () => out, stop };
}
