// One activation, in a fresh process: loads an extension bundle with a stand-in `vscode` and runs activate(),
// printing one JSON line of timings. Bundled to plain JavaScript by bench/activation.bench.ts and run with plain
// node: no TypeScript loader hooks and no source-map support in the way, as in the extension host.
// Usage: node activationChild.cjs BUNDLE [--full EXTENSION_ROOT]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fakeContext, installVscodeStub, makeVscodeStub, type StubRecord } from '../../test/unit/extension/vscodeStub.js';

export interface ActivationSample {
  loadMs: number;
  activateMs: number;
  /** CPU time (user + system, all threads of the process) of load + activate. */
  cpuMs: number;
  commands: number;
  /** Loading the bundle of commands and the heavy half afterwards (EdgePush only, with --full). */
  commandsMs?: number;
  workMs?: number;
}

const cpuMsNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function main(bundle: string, full: boolean): void {
  const record: StubRecord = { commands: new Map(), treeViews: [], statusItems: [], messages: [] };
  installVscodeStub(makeVscodeStub(record));
  const storage = mkdtempSync(join(tmpdir(), 'edgepush-bench-'));
  const root = dirname(dirname(bundle));
  const ctx = fakeContext(root, storage);
  const c0 = cpuMsNow();
  const t0 = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ext = require(bundle) as { activate(c: unknown): unknown };
  const t1 = performance.now();
  ext.activate(ctx);
  const t2 = performance.now();
  const cpuMs = cpuMsNow() - c0;
  const sample: ActivationSample = { loadMs: t1 - t0, activateMs: t2 - t1, cpuMs, commands: record.commands.size };
  if (full) {
    // Not part of activation: the commands and panels, loaded when a command first runs, and the heavy half,
    // loaded when a device is first probed or a push starts.
    const tc = performance.now();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(join(root, 'dist', 'extensionCommands.js'));
    sample.commandsMs = performance.now() - tc;
    const t3 = performance.now();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(join(root, 'dist', 'extensionWork.js'));
    sample.workMs = performance.now() - t3;
  }
  for (const d of (ctx.subscriptions as { dispose(): void }[]).reverse()) d.dispose();
  rmSync(storage, { recursive: true, force: true });
  process.stdout.write(JSON.stringify(sample) + '\n');
}

main(process.argv[2]!, process.argv.includes('--full'));
