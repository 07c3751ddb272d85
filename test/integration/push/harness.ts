// Shared set-up for the push integration tests: real `edgepush device` agents spawned from dist/cli.js on this
// area's loopback range (127.B.20.x, test/testNet.ts), the local base images, temp project copies, the CLI run as a user runs it,
// and clean-up of every Docker object a device made, even when a test fails.
import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Docker from 'dockerode';
import { ensureBaseImages } from '../../../simulator/device/baseImages.js';
import { deviceIdFrom, purgeDevice } from '../../../simulator/device/scope.js';
import { spawnSimulatedDevice, type SpawnedDevice } from '../../../simulator/device/spawnDevice.js';
import { runTag } from '../../testNet.js';

export const CLI = resolve('dist/cli.js');
export const docker = new Docker();

let baseReady: Promise<unknown> | undefined;
export function baseImages(): Promise<unknown> {
  baseReady ??= ensureBaseImages(docker);
  return baseReady;
}

export interface TestDevice {
  address: string;
  name: string;
  dataDir: string;
  device: SpawnedDevice;
  /** Stops the agent (SIGTERM) and starts it again on the same data directory. */
  restart(): Promise<void>;
  cleanup(): Promise<void>;
}

export async function startDevice(
  address: string,
  baseName: string,
  extra: {
    link?: string;
    announce?: string;
    localModeOpen?: boolean;
    apiKey?: string;
    stock?: boolean;
    deviceType?: string;
    allowPrivileged?: boolean;
    diskFree?: string;
  } = {},
): Promise<TestDevice> {
  await baseImages();
  const name = `${baseName}-${runTag()}`; // unique per run: clean-ups purge by device name
  const dataDir = await mkdtemp(join(tmpdir(), `ep-push-${name}-`));
  await purgeDevice(docker, deviceIdFrom(name)).catch(() => undefined);
  const spawnIt = () => spawnSimulatedDevice({ cliPath: CLI, address, name, dataDir, ...extra, timeoutMs: 30_000 });
  const t: TestDevice = {
    address,
    name,
    dataDir,
    device: await spawnIt(),
    async restart() {
      await t.device.stop();
      t.device = await spawnIt();
    },
    async cleanup() {
      await t.device.stop().catch(() => undefined);
      await purgeDevice(docker, deviceIdFrom(name)).catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return t;
}

/** A copy of examples/<name> (or of another folder) in a temp dir, so tests can edit it. */
export async function projectCopy(from: string): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'ep-push-project-'));
  const dir = join(root, 'app');
  await cp(resolve(from), dir, { recursive: true });
  return { dir, cleanup: () => rm(root, { recursive: true, force: true }) };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(t);
      resolvePromise({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

/** A long-running CLI child (push with livepush, logs) whose output can be awaited line by line. */
export class CliSession {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  private waiters: Array<() => void> = [];
  readonly exited: Promise<number>;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (c: Buffer) => {
      this.stdout += c.toString();
      this.wake();
    });
    this.child.stderr!.on('data', (c: Buffer) => {
      this.stderr += c.toString();
      this.wake();
    });
    this.exited = new Promise((r) => this.child.on('close', (code, signal) => r(code ?? (signal ? 128 : 1))));
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves once `test` holds for the output, or rejects after `timeoutMs` with the output so far. */
  async waitFor(what: string, test: (s: CliSession) => boolean, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!test(this)) {
      if (Date.now() > deadline)
        throw new Error(
          `timed out waiting for ${what}\n--- stdout ---\n${this.stdout.slice(-3000)}\n--- stderr ---\n${this.stderr.slice(-3000)}`,
        );
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 250);
      });
    }
  }

  async stop(): Promise<number> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGINT');
      const t = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      const code = await this.exited;
      clearTimeout(t);
      return code;
    }
    return this.exited;
  }
}

/** Runs a command in the service's container through the device's engine (what a user would check). */
export async function execInService(address: string, service: string, cmd: string[]): Promise<string> {
  const ids = (await (await fetch(`http://${address}:48484/v2/containerId`)).json()) as { services: Record<string, string> };
  const engine = new Docker({ host: address, port: 2375 });
  const exec = await engine.getContainer(ids.services[service]!).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  const { PassThrough } = await import('node:stream');
  const out = new PassThrough();
  out.on('data', (c: Buffer) => chunks.push(c));
  engine.modem.demuxStream(stream, out, out);
  await new Promise<void>((r) => stream.on('end', () => r()));
  return Buffer.concat(chunks).toString();
}

/**
 * Runs `cmd` in the service until its output satisfies `ok` (a restart may be under way when a sync just ended),
 * then returns that output; after `timeoutMs` returns the last output for the assertion to show.
 */
export async function execUntil(
  address: string,
  service: string,
  cmd: string[],
  ok: (out: string) => boolean,
  timeoutMs = 10_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = await execInService(address, service, cmd).catch((err: unknown) => `exec failed: ${String(err)}`);
    if (ok(out) || Date.now() > deadline) return out;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Untags the local builds of one project folder (`edgepush-local/<folder>-<hash>/<service>`), leaving others' alone. */
export async function removeProjectBuildTags(dir: string, services: string[]): Promise<void> {
  const { localBuildTag } = await import('../../../simulator/push/build/buildServices.js');
  const name = dir
    .split('/')
    .pop()!
    .toLowerCase()
    .replace(/[^a-z0-9_.-]/g, '-');
  for (const s of services)
    await docker
      .getImage(localBuildTag({ dir, name }, s))
      .remove({ noprune: true })
      .catch(() => undefined);
}

/** `--build-on local` tags its builds `edgepush-local/<project>/<service>:latest` on this machine's engine: untag them. */
export async function removeLocalBuildTags(): Promise<void> {
  const images = await docker.listImages({ filters: JSON.stringify({ reference: ['edgepush-local/*', 'edgepush-local/*/*'] }) });
  for (const img of images) {
    for (const tag of img.RepoTags ?? [])
      if (tag.startsWith('edgepush-local/'))
        await docker
          .getImage(tag)
          .remove({ noprune: true })
          .catch(() => undefined);
  }
}
