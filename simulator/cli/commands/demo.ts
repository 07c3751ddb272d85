// `edgepush demo`: the whole loop on this machine in under a minute: a simulated device, the local base images,
// a push of examples/hello with its delta report and logs, an edit pushed again (small delta, state changes),
// then the device stopped and cleaned up. Progress on stderr, reports on stdout.
import { existsSync } from 'node:fs';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import Docker from 'dockerode';
import { flag, noExtraPositionals, stringOpt, UsageError, type CliCommand } from '../command.js';
import { ensureBaseImages } from '../../device/baseImages.js';
import { deviceIdFrom, purgeDevice } from '../../device/scope.js';
import { pingDevice, spawnSimulatedDevice, type SpawnedDevice } from '../../device/spawnDevice.js';
import { DeviceClient } from '../../push/deviceClient.js';
import { formatLogLine, formatReport } from '../../push/format.js';
import { pushProject } from '../../push/pushProject.js';
import { exitCodeOf } from '../../push/pushFailure.js';
import type { BuildOn, DeviceLogLine, PushEvent } from '../../push/types.js';
import { messageOf } from '../../shared/errors.js';
import { progressLine } from '../../shared/progress.js';
import { formatBytes } from '../../shared/units.js';
import { pushEventPrinter } from './push.js';

const DEMO_NAME = 'edgepush-demo';

/** examples/<name> next to the CLI bundle (dist/cli.js → ../examples) or under the current directory. */
export function findExample(name: string, cliPath = process.argv[1] ?? ''): string | undefined {
  const candidates = [resolve(dirname(cliPath), '..', 'examples', name), resolve(process.cwd(), 'examples', name)];
  return candidates.find((c) => existsSync(join(c, 'Dockerfile')) || existsSync(join(c, 'docker-compose.yml')));
}

/** The demo shows phases, not every build step. */
const quiet =
  (print: (e: PushEvent) => void) =>
  (e: PushEvent): void => {
    if (e.type !== 'build-output') print(e);
  };

const say = (line: string) => process.stderr.write(`${line}\n`);

async function showLogs(address: string, since: number, ms: number, until?: (l: DeviceLogLine) => boolean): Promise<void> {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), ms);
  await new DeviceClient(address).followLogs({
    signal: stop.signal,
    since,
    onLine: (l) => {
      process.stdout.write(`  ${formatLogLine(l)}\n`);
      if (until?.(l)) setTimeout(() => stop.abort(), 300);
    },
  });
  clearTimeout(timer);
}

export const demoCommand: CliCommand = {
  usage: `edgepush demo [--address ADDR] [--build-on device|local] [--link RATE] [--keep]

  --address ADDR   loopback address for the simulated device (default 127.0.0.2)
  --link RATE      the simulated device's link rate, for the transfer times (default 1mbit, e.g. 256kbit)
  --build-on WHERE device (default) or local (build here, ship a delta)
  --keep           leave the device and its container running at the end`,
  options: { keep: { type: 'boolean' }, address: { type: 'string' }, 'build-on': { type: 'string' }, link: { type: 'string' } },
  run: async (args) => {
    noExtraPositionals(args, 0);
    const address = stringOpt(args, 'address') ?? '127.0.0.2';
    const buildOn = (stringOpt(args, 'build-on') ?? 'device') as BuildOn;
    const keep = flag(args, 'keep');
    const link = stringOpt(args, 'link') ?? '1mbit';
    if (buildOn !== 'device' && buildOn !== 'local') throw new UsageError(`--build-on expects device or local, got '${buildOn}'`);
    const cliPath = process.argv[1] ?? '';
    const example = findExample('hello', cliPath);
    if (!example) {
      say('edgepush demo: examples/hello not found next to the CLI or in the current directory');
      return 1;
    }
    if (await pingDevice(address, 500)) {
      say(`edgepush demo: something already answers on ${address}:48484; stop it or pick another address with --address`);
      return 1;
    }
    const docker = new Docker();
    const work = await mkdtemp(join(tmpdir(), 'edgepush-demo-'));
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    let device: SpawnedDevice | undefined;
    const progress = progressLine(process.stderr);
    try {
      say('1/6 base images (built locally, no registry needed)');
      for (const r of await ensureBaseImages(docker, { onProgress: (l) => say(`  ${l}`) })) say(`  ${r.name}: ${r.action}`);

      say(`2/6 starting a simulated device on ${address} (link ${link})`);
      device = await spawnSimulatedDevice({ cliPath, address, name: DEMO_NAME, dataDir: join(work, 'device'), link });
      const project = join(work, 'hello');
      await cp(example, project, { recursive: true });

      say(`3/6 pushing examples/hello (build on ${buildOn})`);
      const firstAt = Date.now();
      const first = await pushProject({
        projectDir: project,
        device: address,
        buildOn,
        signal: stop.signal,
        onEvent: quiet(pushEventPrinter(progress)),
      });
      progress.done();
      process.stdout.write(`\n${formatReport(first)}\n\nLogs:\n`);
      await showLogs(address, firstAt, 6000, (l) => /Hello from EdgePush.*#2\)/.test(l.message));

      say('\n4/6 editing message.txt and pushing again');
      await writeFile(join(project, 'message.txt'), 'second version, pushed as a small delta\n');
      const secondAt = Date.now();
      const second = await pushProject({
        projectDir: project,
        device: address,
        buildOn,
        signal: stop.signal,
        onEvent: quiet(pushEventPrinter(progress)),
      });
      progress.done();
      process.stdout.write(`\n${formatReport(second)}\n\nLogs:\n`);
      await showLogs(address, secondAt, 6000, (l) => /second version/.test(l.message));

      const a = first.services[0]!;
      const b = second.services[0]!;
      say(`\n5/6 release ${first.release.slice(0, 12)} → ${second.release.slice(0, 12)}; ${b.name} is ${b.state}`);
      say(`  the edit cost ${formatBytes(b.deltaBytes)} as an EdgePush delta instead of the ${formatBytes(b.imageBytes)} image`);
      say(
        `  (layer pull ${formatBytes(b.layerPullBytes)}, librsync ${formatBytes(b.librsyncBytes)}; sent this push: ${formatBytes(b.sentBytes)} in ${b.transferSeconds} s at ${link}; first push sent ${formatBytes(a.sentBytes)})`,
      );
      if (keep) {
        say(`6/6 leaving the device running on ${address} (pid ${device.pid}); stop it with: kill ${device.pid}`);
        device = undefined;
      } else say('6/6 stopping the device');
      return 0;
    } catch (err) {
      progress.done();
      say(`edgepush demo: ${messageOf(err)}`);
      return exitCodeOf(err);
    } finally {
      process.off('SIGINT', onSignal);
      if (device) {
        await device.stop();
        await purgeDevice(docker, deviceIdFrom(DEMO_NAME)).catch(() => undefined);
        await rm(work, { recursive: true, force: true });
      }
    }
  },
};
