// Simulated devices started from the editor: each is `edgepush device --address A` (dist/cli.js) in a child
// process on its own loopback address, with its state under the extension's storage folder, started by the same
// code as the CLI's and the tests' devices (simulator/device/spawnDevice.ts: the agent's memory flags). They are
// stopped with the extension. No `vscode` import.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSimulatedDevice } from '../../simulator/device/spawnDevice.js';
import { Disposable, toDisposable } from '../lifecycle.js';

export interface SimulatorHandle {
  address: string;
  name: string;
  linkRate?: string;
  dataDir: string;
  pid: number;
  /** The last lines the agent printed, for error messages. */
  output: () => string;
  stop(): Promise<void>;
  /** Exit code (or 128+signal) once the agent ends. */
  exited: Promise<number>;
}

export interface StartOptions {
  address: string;
  name?: string;
  linkRate?: string;
  /** balena device type (`--device-type`); the arch follows from it. */
  deviceType?: string;
}

/** How long a starting device gets to answer /ping (a first start on a busy machine loads the whole CLI). */
const START_TIMEOUT_MS = 60_000;

export class SimulatorManager extends Disposable {
  private readonly running = new Map<string, SimulatorHandle>();
  /** Devices between spawn and their first /ping answer: stopping one cancels its start. */
  private readonly starting = new Map<string, { abort: AbortController; settled: Promise<unknown> }>();

  constructor(
    private readonly cliPath: string,
    private readonly storageDir: string,
    private readonly onExit: (address: string, code: number, output: string) => void,
  ) {
    super();
    this._register(toDisposable(() => void this.stopAll()));
  }

  list(): SimulatorHandle[] {
    return [...this.running.values()];
  }

  /** Addresses taken by running and starting devices. */
  addresses(): string[] {
    return [...this.running.keys(), ...this.starting.keys()];
  }

  has(address: string): boolean {
    return this.running.has(address) || this.starting.has(address);
  }

  /** Starts a device and resolves once its supervisor answers /ping (or rejects with what it printed). */
  async start(o: StartOptions, signal?: AbortSignal): Promise<SimulatorHandle> {
    const dataDir = join(this.storageDir, 'devices', o.address);
    mkdirSync(dataDir, { recursive: true });
    // The name is also the device's id for its Docker objects: keep it unique per address.
    const name = o.name ?? `sim-${o.address}`;
    let output = '';
    const abort = new AbortController();
    const onAbort = () => abort.abort();
    if (signal?.aborted) abort.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const spawning = spawnSimulatedDevice({
      cliPath: this.cliPath,
      address: o.address,
      name,
      dataDir,
      link: o.linkRate,
      deviceType: o.deviceType,
      // In desktop VS Code process.execPath is Electron: ELECTRON_RUN_AS_NODE makes it a plain Node.
      env: { ELECTRON_RUN_AS_NODE: '1' },
      onStderr: (chunk) => (output = (output + chunk).slice(-4000)),
      timeoutMs: START_TIMEOUT_MS,
      signal: abort.signal,
    });
    const entry = { abort, settled: spawning.catch(() => undefined) };
    this.starting.set(o.address, entry);
    try {
      const device = await spawning;
      const handle: SimulatorHandle = {
        address: o.address,
        name,
        linkRate: o.linkRate,
        dataDir,
        pid: device.pid,
        output: () => output,
        exited: device.exited,
        stop: () => device.stop(),
      };
      this.running.set(o.address, handle);
      void device.exited.then((code) => {
        if (this.running.get(o.address) !== handle) return;
        this.running.delete(o.address);
        this.onExit(o.address, code, output);
      });
      return handle;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (this.starting.get(o.address) === entry) this.starting.delete(o.address);
    }
  }

  async stop(address: string): Promise<boolean> {
    const starting = this.starting.get(address);
    if (starting) {
      starting.abort.abort();
      await starting.settled;
      return true;
    }
    const h = this.running.get(address);
    if (!h) return false;
    this.running.delete(address);
    await h.stop();
    return true;
  }

  async stopAll(): Promise<void> {
    for (const s of this.starting.values()) s.abort.abort();
    const all = [...this.running.values()];
    this.running.clear();
    await Promise.all(all.map((h) => h.stop()));
  }
}
