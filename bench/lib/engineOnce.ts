// One cold run of the engine on a pair, in a fresh process (so the figures of one pair never profit from a JIT
// warmed by another): create the delta from files already in memory, then apply it back. Prints one JSON line:
// seconds and CPU seconds of each stage (apply cold, then warm), the delta's size, and whether apply rebuilt the new file exactly.
import { readFileSync } from 'node:fs';
import { applyByteDelta, createByteDeltaAsync } from '../../simulator/engine/byteDelta.js';

async function stage<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number; cpuSeconds: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await work();
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { value, seconds, cpuSeconds: (c.user + c.system) / 1e6 };
}

async function main(): Promise<void> {
  const [oldPath, newPath] = process.argv.slice(2) as [string, string];
  const old = readFileSync(oldPath);
  const next = readFileSync(newPath);
  const create = await stage(() => createByteDeltaAsync(old, next));
  const applyOnce = () =>
    stage(async () => {
      const parts: Buffer[] = [];
      for await (const c of applyByteDelta(
        old,
        (async function* () {
          yield* create.value.chunks;
        })(),
      ))
        parts.push(c);
      return Buffer.concat(parts);
    });
  const apply = await applyOnce();
  // then warm (the codec's steady throughput, as a device applying one layer after another sees it): the
  // fastest of three more runs
  const warm = [await applyOnce(), await applyOnce(), await applyOnce()].sort((a, b) => a.seconds - b.seconds)[0]!;
  const out = {
    bytes: create.value.bytes,
    create: { seconds: create.seconds, cpuSeconds: create.cpuSeconds },
    apply: { seconds: apply.seconds, cpuSeconds: apply.cpuSeconds },
    applyWarm: { seconds: warm.seconds, cpuSeconds: warm.cpuSeconds },
    exact: apply.value.equals(next),
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

void main();
