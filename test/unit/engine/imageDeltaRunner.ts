// Child process for largeImageDelta.test.ts and bench:memory: creates an image delta from two archive files
// (createImageDeltaFile) or applies one with the basis archive read on demand (applyImageDelta with a memory
// budget), then prints its peak RSS (VmHWM), the bytes it wrote to storage (/proc/self/io write_bytes), wall
// and CPU seconds, and the result's image id, as one JSON line. A basis of '-' is none (a first push);
// `stream:PATH` gives the archive at PATH as a `{ stream }`. Apply's temp folder goes beside the output. An
// engine error is printed as `{ "error": kind }` (exit code 3).
import { createReadStream, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createImageDeltaFile } from '../../../simulator/engine/imageDeltaFiles.js';
import { applyImageDelta } from '../../../simulator/engine/imageDeltaApply.js';
import type { ImageSource } from '../../../simulator/engine/imageArchive.js';
import { EdgePushError } from '../../../simulator/shared/errors.js';

function procFigures(): { peakMB: number; writeBytes: number } {
  const status = readFileSync('/proc/self/status', 'utf8');
  const io = readFileSync('/proc/self/io', 'utf8');
  return { peakMB: Number(/VmHWM:\s+(\d+)/.exec(status)![1]) / 1024, writeBytes: Number(/write_bytes:\s+(\d+)/.exec(io)![1]) };
}

async function main(): Promise<void> {
  const [mode, basis, input, out, budget, thin] = process.argv.slice(2) as [string, string, string, string, string, string | undefined];
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const memoryBudget = Number(budget);
  let imageId: string;
  const basisSource: ImageSource | undefined =
    basis === '-' ? undefined : basis.startsWith('stream:') ? { stream: createReadStream(basis.slice(7)) } : { archivePath: basis };
  if (mode === 'create') {
    const d = await createImageDeltaFile({
      basis: basisSource,
      target: { archivePath: input },
      outputPath: out,
      memoryBudget,
      estimates: false,
    });
    imageId = d.header.target.imageId;
  } else {
    const r = await applyImageDelta({
      delta: input,
      basis: basisSource,
      outputPath: out,
      memoryBudget,
      thin: thin === 'thin',
      workDir: dirname(out),
    });
    imageId = r.imageId;
  }
  const c = process.cpuUsage(c0);
  process.stdout.write(
    `${JSON.stringify({ ...procFigures(), imageId, seconds: (performance.now() - t0) / 1000, cpuSeconds: (c.user + c.system) / 1e6 })}\n`,
  );
}

main().catch((err: unknown) => {
  if (!EdgePushError.is(err)) throw err;
  process.stdout.write(`${JSON.stringify({ error: err.kind, message: err.message })}\n`);
  process.exitCode = 3;
});
