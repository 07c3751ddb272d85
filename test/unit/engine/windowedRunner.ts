// Child process for boundedMemory.test.ts and bench:memory: creates or applies a delta file the way the CLI
// does (createDeltaFile / applyDeltaFile) with a memory budget, then prints its peak RSS (VmHWM) and the bytes
// it wrote to storage (/proc/self/io write_bytes) as one JSON line.
import { readFileSync } from 'node:fs';
import { applyDeltaFile, createDeltaFile } from '../../../simulator/engine/byteDeltaFiles.js';

function procFigures(): { peakMB: number; writeBytes: number } {
  const status = readFileSync('/proc/self/status', 'utf8');
  const io = readFileSync('/proc/self/io', 'utf8');
  return { peakMB: Number(/VmHWM:\s+(\d+)/.exec(status)![1]) / 1024, writeBytes: Number(/write_bytes:\s+(\d+)/.exec(io)![1]) };
}

async function main(): Promise<void> {
  const [mode, a, b, out, budget] = process.argv.slice(2) as [string, string, string, string, string];
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  if (mode === 'create') await createDeltaFile(a, b, out, { memoryBudget: Number(budget) });
  else await applyDeltaFile(a, b, out); // the window is the one the delta was made with
  const c = process.cpuUsage(c0);
  process.stdout.write(
    `${JSON.stringify({ ...procFigures(), seconds: (performance.now() - t0) / 1000, cpuSeconds: (c.user + c.system) / 1e6 })}\n`,
  );
}

void main();
