// `npm run bench:push`: the push loop against a real simulated device (spawned from dist/cli.js) on the real
// engine. Figures beside the goals of issue 4, no assertions:
//   livepush: file saved → new code running ≤ 1 s; warm push of examples/hello ≤ 10 s; delta report ≤ 10% of a push.
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import Docker from 'dockerode';
import { ensureBaseImages } from '../simulator/device/baseImages.js';
import { deviceIdFrom, purgeDevice } from '../simulator/device/scope.js';
import { spawnSimulatedDevice } from '../simulator/device/spawnDevice.js';
import { DeviceClient } from '../simulator/push/deviceClient.js';
import { startLivepush } from '../simulator/push/livepush/startLivepush.js';
import { pushProject } from '../simulator/push/pushProject.js';
import type { BuildOn } from '../simulator/push/types.js';
import { localBuildTag } from '../simulator/push/build/buildServices.js';
import { testAddress } from '../test/testNet.js';

const ADDRESS = testAddress(20, 20);
const NAME = 'ep4-bench';
const ROUNDS = Number(process.env.EDGEPUSH_BENCH_ROUNDS ?? 5);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2 : NaN;
};
const fmt = (s: number) => `${s.toFixed(3)} s`;
const line = (what: string, value: string, goal: string) => console.log(`${what.padEnd(46)} ${value.padStart(22)}   goal ${goal}`);

async function timedPush(dir: string, n: number, buildOn: BuildOn, skipDeltaReport: boolean): Promise<number> {
  await writeFile(join(dir, 'message.txt'), `bench edit ${n} ${Date.now()}\n`);
  const t0 = performance.now();
  await pushProject({ projectDir: dir, device: ADDRESS, buildOn, skipDeltaReport });
  return (performance.now() - t0) / 1000;
}

async function main(): Promise<void> {
  const docker = new Docker();
  await ensureBaseImages(docker);
  const work = await mkdtemp(join(tmpdir(), 'ep-push-bench-'));
  const dir = join(work, 'hello');
  await cp(resolve('examples/hello'), dir, { recursive: true });
  await purgeDevice(docker, deviceIdFrom(NAME)).catch(() => undefined);
  const device = await spawnSimulatedDevice({
    cliPath: resolve('dist/cli.js'),
    address: ADDRESS,
    name: NAME,
    dataDir: join(work, 'device'),
  });
  try {
    console.log(`push benchmark: examples/hello on a simulated device at ${ADDRESS}, ${ROUNDS} rounds each (medians)\n`);
    const t0 = performance.now();
    await pushProject({ projectDir: dir, device: ADDRESS });
    line('first push (build on device)', fmt((performance.now() - t0) / 1000), '-');

    // Blocks A B A (with report, without, with again) so that drift hits both sides alike; within a block each
    // push's basis is the previous push's image, as in an editing session.
    const results: Record<string, number[]> = { deviceReport: [], deviceNoReport: [], localReport: [] };
    let n = 0;
    for (const block of ['deviceReport', 'deviceNoReport', 'deviceReport'] as const) {
      for (let i = 0; i < ROUNDS; i++) results[block]!.push(await timedPush(dir, n++, 'device', block === 'deviceNoReport'));
    }
    for (let i = 0; i < ROUNDS; i++) results.localReport!.push(await timedPush(dir, n++, 'local', false));
    const withReport = median(results.deviceReport!);
    const without = median(results.deviceNoReport!);
    line('warm push, build on device, with report', fmt(withReport), '≤ 10 s');
    line('warm push, build on device, no report', fmt(without), '-');
    line('delta report overhead', `${(((withReport - without) / without) * 100).toFixed(1)} %`, '≤ 10 %');
    line('warm push, build local + delta, with report', fmt(median(results.localReport!)), '≤ 10 s');

    // Livepush: from the file write to the first log line carrying the new text.
    const client = new DeviceClient(ADDRESS);
    const logStop = new AbortController();
    const waiting = new Map<string, (t: number) => void>();
    const follow = client.followLogs({
      signal: logStop.signal,
      onLine: (l) => {
        for (const [token, done] of waiting) if (l.message.includes(token)) done(performance.now());
      },
    });
    const live = await startLivepush({ projectDir: dir, device: ADDRESS });
    const latencies: number[] = [];
    const syncSeconds: number[] = [];
    try {
      for (let i = 0; i < ROUNDS; i++) {
        const token = `live-${i}-${Date.now()}`;
        const seen = new Promise<number>((r) => waiting.set(token, r));
        const start = performance.now();
        await writeFile(join(dir, 'message.txt'), `${token}\n`);
        const at = await Promise.race([seen, new Promise<number>((r) => setTimeout(() => r(NaN), 15_000))]);
        waiting.delete(token);
        latencies.push((at - start) / 1000);
        await live.idle();
        await new Promise((r) => setTimeout(r, 300));
      }
    } finally {
      await live.dispose();
      logStop.abort();
      await follow;
    }
    void syncSeconds;
    line('livepush: save → new code running (median)', fmt(median(latencies)), '≤ 1 s');
    line('livepush: worst of the rounds', fmt(Math.max(...latencies)), '-');
  } finally {
    await device.stop();
    await purgeDevice(docker, deviceIdFrom(NAME)).catch(() => undefined);
    await docker
      .getImage(localBuildTag({ dir, name: basename(dir) }, 'main'))
      .remove({ noprune: true })
      .catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
