// Simulated devices started from the editor: each is `edgepush device --address A` (dist/cli.js) in a child
// process on its own loopback address, with its state under the extension's storage folder. They are stopped
// with the extension. No `vscode` import.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { clientFor } from '../devices/deviceAccess.js';
import { unavailable } from '../../simulator/shared/errors.js';
import { Disposable, toDisposable } from '../lifecycle.js';

export interface SimulatorHandle {
  address: string;
  name: string;
  linkRate?: string;
  dataDir: string;
  /** The last lines the agent printed, for error messages. */
  output: () => string;
  stop(): Promise<void>;
  exited: Promise<number | null>;
}

export interface StartOptions {
  address: string;
  name?: string;
  linkRate?: string;
  /** balena device type (`--device-type`); the arch follows from it. */
  deviceType?: string;
}

export class SimulatorManager extends Disposable {
  private readonly running = new Map<string, SimulatorHandle>();

  constructor(
    private readonly cliPath: string,
    private readonly storageDir: string,
    private readonly onExit: (address: string, code: number | null, output: string) => void,
  ) {
    super();
    this._register(toDisposable(() => void this.stopAll()));
  }

  list(): SimulatorHandle[] {
    return [...this.running.values()];
  }

  has(address: string): boolean {
    return this.running.has(address);
  }

  /** Starts a device and resolves once its supervisor answers /ping (or rejects with what it printed). */
  async start(o: StartOptions, signal?: AbortSignal): Promise<SimulatorHandle> {
    const dataDir = join(this.storageDir, 'devices', o.address);
    mkdirSync(dataDir, { recursive: true });
    // The name is also the device's id for its Docker objects: keep it unique per address.
    const name = o.name ?? `sim-${o.address}`;
    const args = [this.cliPath, 'device', '--address', o.address, '--name', name, '--data', dataDir];
    if (o.linkRate) args.push('--link', o.linkRate);
    if (o.deviceType) args.push('--device-type', o.deviceType);
    // In desktop VS Code process.execPath is Electron: ELECTRON_RUN_AS_NODE makes it a plain Node.
    const child: ChildProcess = spawn(process.execPath, args, {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (b: Buffer) => (output = (output + b.toString()).slice(-4000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const exited = new Promise<number | null>((resolve) => {
      child.on('exit', (code) => resolve(code));
      child.on('error', (err) => {
        output += `\n${err.message}`;
        resolve(null);
      });
    });
    const handle: SimulatorHandle = {
      address: o.address,
      name,
      linkRate: o.linkRate,
      dataDir,
      output: () => output,
      exited,
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const killTimer = setTimeout(() => child.kill('SIGKILL'), 8000);
        await exited;
        clearTimeout(killTimer);
      },
    };
    this.running.set(o.address, handle);
    void exited.then((code) => {
      if (this.running.get(o.address) === handle) {
        this.running.delete(o.address);
        this.onExit(o.address, code, output);
      }
    });
    const client = await clientFor(o.address, 1000);
    const deadline = Date.now() + 60_000;
    let gone = false;
    void exited.then(() => (gone = true));
    while (Date.now() < deadline && !gone && !signal?.aborted) {
      try {
        await client.ping({ timeoutMs: 1000 });
        return handle;
      } catch {
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    await handle.stop();
    const tail = output.trim().split('\n').slice(-3).join(' | ');
    throw unavailable(
      gone
        ? `the simulated device stopped: ${tail || 'no output'}`
        : `the simulated device at ${o.address} did not answer within 60 s${tail ? `: ${tail}` : ''}`,
    );
  }

  async stop(address: string): Promise<boolean> {
    const h = this.running.get(address);
    if (!h) return false;
    this.running.delete(address);
    await h.stop();
    return true;
  }

  async stopAll(): Promise<void> {
    const all = [...this.running.values()];
    this.running.clear();
    await Promise.all(all.map((h) => h.stop()));
  }
}
