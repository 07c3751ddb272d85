// One image delta apply in a fresh process (for bench:memory's writes): the basis from an archive file, the
// rebuilt archive to a file, complete or thin; prints its peak RSS and the bytes it wrote to storage.
import { readFileSync } from 'node:fs';
import { applyImageDelta } from '../../simulator/engine/imageDeltaApply.js';

async function main(): Promise<void> {
  const [basisPath, deltaPath, outPath, thin] = process.argv.slice(2) as [string, string, string, string];
  await applyImageDelta({ delta: deltaPath, basis: { archivePath: basisPath }, outputPath: outPath, thin: thin === 'thin' });
  const status = readFileSync('/proc/self/status', 'utf8');
  const io = readFileSync('/proc/self/io', 'utf8');
  process.stdout.write(
    `${JSON.stringify({ peakMB: Number(/VmHWM:\s+(\d+)/.exec(status)![1]) / 1024, writeBytes: Number(/write_bytes:\s+(\d+)/.exec(io)![1]) })}\n`,
  );
}

void main();
