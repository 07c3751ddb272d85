// `edgepush fleet start|list|status|stop|push`: N simulated devices on this machine, and staged rollouts to them
// through a registry (waves, health gate, automatic rollback, injected faults).
import { resolve } from 'node:path';
import {
  UsageError,
  flag,
  intOpt,
  memoryBudgetOpt,
  noExtraPositionals,
  requiredOpt,
  stringOpt,
  type CliCommand,
  type ParsedArgs,
} from '../command.js';
import { DEFAULT_FIRST_ADDRESS, startFleet, stopFleet } from '../../fleet/fleetDevices.js';
import { listFleets, readFleet } from '../../fleet/fleetStore.js';
import { fleetStatus } from '../../fleet/fleetStatus.js';
import { runRollout } from '../../fleet/rollout.js';
import { DEFAULT_WAVES } from '../../fleet/rolloutPlan.js';
import type { RolloutEvent } from '../../fleet/rolloutTypes.js';
import { progressLine } from '../../shared/progress.js';
import { formatBytes } from '../../shared/units.js';
import { invalidInput } from '../../shared/errors.js';

const usage = `edgepush fleet start --name F --size N [--first ${DEFAULT_FIRST_ADDRESS}] [--device-type T] [--link RATE]
edgepush fleet list | fleet status --name F [--json] | fleet stop --name F [--purge]
edgepush fleet push [DIR] --fleet F --registry URL [--waves ${DEFAULT_WAVES}] [--health-timeout S] [--faults power=P%,link=P%] [--memory-budget SIZE] [--json]

  start   N simulated devices in the background on consecutive loopback addresses, sharing this machine's engine
  status  each device's release and services, and how many run each release
  stop    stop the fleet's devices (--purge: also remove their containers, images, volumes and data)
  push    build DIR once, push it to the registry, publish deltas from the releases the devices run, then update
          wave by wave (sizes are cumulative: a count or a share of the fleet); a wave passes when all its devices
          run the release Running and healthy within --health-timeout (default 60 s); a failed wave rolls every
          updated device back. --faults power-cuts or drops the link of that share of the devices mid-update.
          --memory-budget: what the engine may hold while it makes a delta (default 256MB; at least 16MB);
          images larger together than half of it are exported to files and diffed within it.
Exit codes (push): 0 the whole fleet runs the release, 5 the rollout stopped (rolled back or not), 2 usage.`;

function describe(e: RolloutEvent): string | undefined {
  switch (e.type) {
    case 'step':
      return e.message;
    case 'plan':
      return `release ${e.release.slice(0, 8)}: ${e.waves.length} wave(s) of ${e.waves.map((w) => w.length).join(', ')} device(s), gate ${e.gateTimeoutSeconds} s`;
    case 'wave':
      return `wave ${e.wave + 1}: ${e.state}`;
    case 'device':
      return e.state === 'updating' || e.state === 'running' ? undefined : `${e.address}: ${e.state}${e.detail ? ` (${e.detail})` : ''}`;
    case 'rollback':
      return `rolling back ${e.devices.length} device(s): ${e.reason}`;
    case 'report':
      return undefined;
  }
}

async function run(args: ParsedArgs): Promise<number> {
  const sub = args.positionals[0];
  switch (sub) {
    case 'start': {
      noExtraPositionals(args, 1);
      const name = requiredOpt(args, 'name');
      const progress = progressLine();
      const f = await startFleet({
        name,
        size: (requiredOpt(args, 'size'), intOpt(args, 'size', 0)),
        first: stringOpt(args, 'first'),
        deviceType: stringOpt(args, 'device-type'),
        link: stringOpt(args, 'link'),
        cliPath: resolve(process.argv[1] ?? 'dist/cli.js'),
        onProgress: (n, total) => progress.update(`starting devices ${n}/${total}`),
      });
      progress.done(`fleet '${f.name}': ${f.devices.length} devices, ${f.devices[0]!.address} to ${f.devices.at(-1)!.address}`);
      return 0;
    }
    case 'list': {
      noExtraPositionals(args, 1);
      const all = listFleets();
      if (flag(args, 'json')) process.stdout.write(`${JSON.stringify(all)}\n`);
      else if (all.length === 0) process.stdout.write('no fleets (edgepush fleet start --name F --size N)\n');
      else
        for (const f of all)
          process.stdout.write(
            `${f.name}  ${f.devices.length} devices  ${f.devices[0]?.address ?? ''}..${f.devices.at(-1)?.address ?? ''}\n`,
          );
      return 0;
    }
    case 'status': {
      noExtraPositionals(args, 1);
      const name = requiredOpt(args, 'name');
      const f = readFleet(name);
      if (!f) throw invalidInput(`no fleet '${name}' (edgepush fleet list)`);
      const s = await fleetStatus(f);
      if (flag(args, 'json')) process.stdout.write(`${JSON.stringify(s)}\n`);
      else {
        const rel = Object.entries(s.summary.releases)
          .map(([r, n]) => `${n}× ${r === 'none' ? 'no release' : r.slice(0, 8)}`)
          .join(', ');
        process.stdout.write(`fleet '${name}': ${s.summary.online}/${s.summary.size} online; ${rel}\n`);
        for (const d of s.devices)
          process.stdout.write(
            `  ${d.address.padEnd(15)} ${d.online ? (d.appState ?? '') : 'offline'}  ${d.release?.slice(0, 8) ?? '-'}  ${d.services.map((x) => `${x.name}: ${x.status}`).join(', ')}\n`,
          );
      }
      return s.summary.online === s.summary.size ? 0 : 3;
    }
    case 'stop': {
      noExtraPositionals(args, 1);
      const name = requiredOpt(args, 'name');
      const f = await stopFleet(name, { purge: flag(args, 'purge') });
      process.stderr.write(f ? `fleet '${name}' stopped${flag(args, 'purge') ? ' and purged' : ''}\n` : `no fleet '${name}'\n`);
      return f ? 0 : 1;
    }
    case 'push': {
      noExtraPositionals(args, 2);
      const name = requiredOpt(args, 'fleet');
      const f = readFleet(name);
      if (!f) throw invalidInput(`no fleet '${name}' (edgepush fleet list)`);
      const json = flag(args, 'json');
      const progress = progressLine(process.stderr);
      const report = await runRollout({
        fleet: f,
        projectDir: resolve(args.positionals[1] ?? '.'),
        registry: requiredOpt(args, 'registry'),
        waves: stringOpt(args, 'waves'),
        healthTimeoutSeconds: intOpt(args, 'health-timeout', 60),
        faults: stringOpt(args, 'faults'),
        memoryBudget: memoryBudgetOpt(args),
        cliPath: resolve(process.argv[1] ?? 'dist/cli.js'),
        onEvent: (e) => {
          const line = describe(e);
          if (line) progress.done(line);
        },
      });
      if (json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else {
        const running = report.devices.filter((d) => d.state === 'running').length;
        process.stdout.write(
          `${running}/${report.devices.length} devices run release ${report.release.slice(0, 8)} in ${report.seconds} s` +
            `${report.rolledBack ? ` (rolled back: ${report.stoppedReason})` : ''}; registry sent ${formatBytes(report.registryEgressBytes)}` +
            ` instead of ${formatBytes(report.layerPullBytes)} for layer pulls\n`,
        );
      }
      return report.devices.every((d) => d.state === 'running') ? 0 : 5;
    }
    case undefined:
      throw new UsageError('missing subcommand (start, list, status, stop or push)');
    default:
      throw new UsageError(`unknown subcommand '${sub}' (expected start, list, status, stop or push)`);
  }
}

export const fleetCommand: CliCommand = {
  usage,
  options: {
    name: { type: 'string' },
    size: { type: 'string' },
    first: { type: 'string' },
    'device-type': { type: 'string' },
    link: { type: 'string' },
    purge: { type: 'boolean' },
    fleet: { type: 'string' },
    registry: { type: 'string' },
    waves: { type: 'string' },
    'health-timeout': { type: 'string' },
    faults: { type: 'string' },
    'memory-budget': { type: 'string' },
    json: { type: 'boolean' },
  },
  run,
};
