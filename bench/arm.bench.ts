// `npm run bench:arm`: examples/arch (a Dockerfile.template) pushed to a simulated x86 device and to a simulated
// raspberrypi4-64 device (aarch64 under qemu-user) in one run, each warm push after an edit; median times and their
// ratio beside the goal of issue 12 (ARM push within 3× the x86 one). Figures only, no assertions.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Docker from 'dockerode';
import { provideBaseImages } from '../simulator/device/archBaseImages.js';
import { emulationState } from '../simulator/device/emulation.js';
import { deviceIdFrom, purgeDevice } from '../simulator/device/scope.js';
import { spawnSimulatedDevice, type SpawnedDevice } from '../simulator/device/spawnDevice.js';
import { pushProject } from '../simulator/push/pushProject.js';
import type { BuildOn } from '../simulator/push/types.js';
import { testAddress } from '../test/testNet.js';

const ROUNDS = Number(process.env.EDGEPUSH_BENCH_ROUNDS ?? 3);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2 : NaN;
};
const line = (what: string, value: string, goal: string) => console.log(`${what.padEnd(66)} ${value.padStart(12)}   goal ${goal}`);

interface Target {
  label: string;
  deviceType: string;
  address: string;
  name: string;
  device?: SpawnedDevice;
}

async function main(): Promise<void> {
  const emulation = emulationState('aarch64');
  if (!emulation.ok) {
    console.log(`bench:arm skipped: ${emulation.reason} (bash scripts/setup.sh arm)`);
    return;
  }
  const docker = new Docker();
  const work = await mkdtemp(join(tmpdir(), 'ep-arm-bench-'));
  const dir = join(work, 'arch');
  await cp(resolve('examples/arch'), dir, { recursive: true });
  const targets: Target[] = [
    { label: 'x86 (genericx86-64-ext)', deviceType: 'genericx86-64-ext', address: testAddress(121, 10), name: 'ep12-bench-x86' },
    { label: 'raspberrypi4-64 (aarch64, qemu-user)', deviceType: 'raspberrypi4-64', address: testAddress(121, 11), name: 'ep12-bench-arm' },
  ];
  try {
    for (const t of targets) {
      await purgeDevice(docker, deviceIdFrom(t.name)).catch(() => undefined);
      t.device = await spawnSimulatedDevice({
        cliPath: resolve('dist/cli.js'),
        address: t.address,
        name: t.name,
        deviceType: t.deviceType,
        dataDir: join(work, t.name),
      });
    }
    console.log(`ARM push benchmark: examples/arch, ${ROUNDS} warm pushes per device and build mode (medians)\n`);
    let n = 0;
    const original = await readFile(join(dir, 'arch.sh'), 'utf8');
    const push = async (t: Target, buildOn: BuildOn) => {
      await writeFile(join(dir, 'arch.sh'), `${original}\n# bench edit ${n++}\n`);
      const t0 = performance.now();
      await pushProject({ projectDir: dir, device: t.address, buildOn, baseImages: provideBaseImages, skipDeltaReport: true });
      return (performance.now() - t0) / 1000;
    };
    for (const t of targets) line(`first push to ${t.label} (base image made)`, `${(await push(t, 'device')).toFixed(2)} s`, '-');
    for (const buildOn of ['device', 'local'] as const) {
      const times: Record<string, number[]> = {};
      // Interleaved, so that drift on the shared machine hits both devices alike.
      for (let i = 0; i < ROUNDS; i++) for (const t of targets) (times[t.label] ??= []).push(await push(t, buildOn));
      const [x86, arm] = targets.map((t) => median(times[t.label]!));
      line(`warm push, build on ${buildOn}, ${targets[0]!.label}`, `${x86!.toFixed(2)} s`, '-');
      line(`warm push, build on ${buildOn}, ${targets[1]!.label}`, `${arm!.toFixed(2)} s`, '-');
      line(`  ARM / x86 (build on ${buildOn})`, `${(arm! / x86!).toFixed(2)}x`, '≤ 3x');
    }
  } finally {
    for (const t of targets) {
      await t.device?.stop().catch(() => undefined);
      await purgeDevice(docker, deviceIdFrom(t.name)).catch(() => undefined);
    }
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
