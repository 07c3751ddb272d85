// One cold run of the engine on a pair, in a fresh process (so the figures of one pair never profit from a JIT
// warmed by another): create the delta from files already in memory, then apply it back. Prints one JSON line:
// seconds and CPU seconds of each stage (create cold, apply cold, apply warm, create warm), the delta's size, and
// whether apply rebuilt the new file exactly (and every warm creation made the same delta).
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
  // creation warm (a kept worker's second push, the push pipeline's case): the fastest of two more in this process
  const creates = [await stage(() => createByteDeltaAsync(old, next)), await stage(() => createByteDeltaAsync(old, next))];
  const createWarm = creates.sort((a, b) => a.seconds - b.seconds)[0]!;
  const out = {
    bytes: create.value.bytes,
    create: { seconds: create.seconds, cpuSeconds: create.cpuSeconds },
    createWarm: { seconds: createWarm.seconds, cpuSeconds: createWarm.cpuSeconds },
    apply: { seconds: apply.seconds, cpuSeconds: apply.cpuSeconds },
    applyWarm: { seconds: warm.seconds, cpuSeconds: warm.cpuSeconds },
    exact: apply.value.equals(next) && creates.every((c) => c.value.bytes === create.value.bytes),
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

void main();
