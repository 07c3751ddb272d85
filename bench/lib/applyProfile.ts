// Profiling aid: create a delta for a pair once (cached beside it in /tmp), then apply it RUNS times, printing each
// run's wall and CPU seconds. Run with `node --cpu-prof --import tsx bench/lib/applyProfile.ts OLD NEW [RUNS]`.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { applyByteDelta, createByteDeltaAsync } from '../../simulator/engine/byteDelta.js';

async function main(): Promise<void> {
  const [oldPath, newPath, runsArg] = process.argv.slice(2) as [string, string, string?];
  const old = readFileSync(oldPath);
  const next = readFileSync(newPath);
  const key = createHash('sha256')
    .update(oldPath + newPath)
    .digest('hex')
    .slice(0, 12);
  const cache = `/tmp/h16/delta-${key}.bin`;
  if (!existsSync(cache) || process.env.FRESH) writeFileSync(cache, Buffer.concat((await createByteDeltaAsync(old, next)).chunks));
  const delta = readFileSync(cache);
  for (let i = 0; i < Number(runsArg ?? 1); i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const parts: Buffer[] = [];
    for await (const c of applyByteDelta(
      old,
      (async function* () {
        yield delta;
      })(),
    ))
      parts.push(c);
    const out = Buffer.concat(parts);
    const s = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    console.log(
      `run ${i}: ${s.toFixed(3)} s, cpu ${((c.user + c.system) / 1e6).toFixed(3)} s, ${(next.length / 1e6 / s).toFixed(0)} MB/s, exact ${out.equals(next)}`,
    );
  }
}
void main();
