// The engine in a fresh process (so the figures of one pair never profit from a JIT warmed by another), inputs
// already in memory. Two modes, each its own process:
//   create OLD NEW DELTA   create the delta once cold, then twice more (warm: a kept worker's next push), check
//                          that every creation made the same delta, write it to DELTA
//   apply OLD DELTA NEW    apply it once cold, as a device's first update does (nothing of the codec compiled yet,
//                          not even by a creation), then three times more (warm: a device applying one layer after
//                          another), check each result against NEW
// Prints one JSON line: seconds and CPU seconds of the cold run and of the fastest warm run, and the delta's size.
import { readFileSync, writeFileSync } from 'node:fs';
import { applyByteDelta, createByteDeltaAsync } from '../../simulator/engine/byteDelta.js';

interface Stage<T> {
  value: T;
  seconds: number;
  cpuSeconds: number;
}

async function stage<T>(work: () => Promise<T>): Promise<Stage<T>> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await work();
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { value, seconds, cpuSeconds: (c.user + c.system) / 1e6 };
}

const fastest = <T>(runs: Stage<T>[]): Stage<T> => [...runs].sort((a, b) => a.seconds - b.seconds)[0]!;
const times = <T>(s: Stage<T>) => ({ seconds: s.seconds, cpuSeconds: s.cpuSeconds });

async function create(oldPath: string, newPath: string, deltaPath: string): Promise<object> {
  const old = readFileSync(oldPath);
  const next = readFileSync(newPath);
  const cold = await stage(() => createByteDeltaAsync(old, next));
  const warm = [await stage(() => createByteDeltaAsync(old, next)), await stage(() => createByteDeltaAsync(old, next))];
  const delta = Buffer.concat(cold.value.chunks);
  writeFileSync(deltaPath, delta);
  const same = warm.every((w) => Buffer.concat(w.value.chunks).equals(delta));
  return { bytes: delta.length, cold: times(cold), warm: times(fastest(warm)), exact: same };
}

async function apply(oldPath: string, deltaPath: string, newPath: string): Promise<object> {
  const old = readFileSync(oldPath);
  const delta = readFileSync(deltaPath);
  const next = readFileSync(newPath);
  // the blocks as apply yields them (a consumer writes each to its file); compared with NEW after the clock stops
  const once = () =>
    stage(async () => {
      const parts: Buffer[] = [];
      for await (const c of applyByteDelta(
        old,
        (async function* () {
          yield delta;
        })(),
      ))
        parts.push(c);
      return parts;
    });
  const same = (parts: Buffer[]) => Buffer.concat(parts).equals(next);
  const cold = await once();
  const warm = [await once(), await once(), await once()];
  return { bytes: next.length, cold: times(cold), warm: times(fastest(warm)), exact: [cold, ...warm].every((r) => same(r.value)) };
}

async function main(): Promise<void> {
  const [mode, a, b, c] = process.argv.slice(2) as [string, string, string, string];
  const out = mode === 'create' ? await create(a, b, c) : mode === 'apply' ? await apply(a, b, c) : undefined;
  if (!out) throw new Error('usage: engineOnce create OLD NEW DELTA | apply OLD DELTA NEW');
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

void main();
