import { resolve } from 'node:path';
import { flag, listOpt, noExtraPositionals, requiredOpt, stringOpt, UsageError, type CliCommand, type ParsedArgs } from '../command.js';
import { colorWanted, paintFor } from '../colors.js';
import { deviceAccessOf, deviceAccessOptions, deviceAccessUsage } from '../deviceAccessFlags.js';
import { describePushEvent, formatLogLine, formatReport } from '../../push/format.js';
import { startLivepush } from '../../push/livepush/startLivepush.js';
import type { LivepushEvent } from '../../push/livepush/types.js';
import { pushProject } from '../../push/pushProject.js';
import { provideBaseImages } from '../../device/archBaseImages.js';
import { exitCodeOf } from '../../push/pushFailure.js';
import { serviceIsUp } from '../../push/serviceState.js';
import { DEFAULT_BUILD_ON, type BuildFlags, type BuildOn, type PushEvent } from '../../push/types.js';
import { DeviceClient } from '../../push/deviceClient.js';
import { messageOf } from '../../shared/errors.js';
import { reportHungBoard, watchBoardFor } from '../boardWatch.js';
import { makeBaseImage } from '../../device/baseImages.js';
import { progressLine, type Progress } from '../../shared/progress.js';

/**
 * Writes push events on stderr: percent updates through the progress line (rewritten in place on a terminal, at
 * most once a second elsewhere), the rest as lines.
 */
export function pushEventPrinter(progress: Progress, tty = Boolean(process.stderr.isTTY), buildLogs = true): (e: PushEvent) => void {
  return (e) => {
    if (!buildLogs && e.type === 'build-output') return;
    const d = describePushEvent(e);
    if (!d) return;
    if (!d.transient) return progress.done(d.text);
    if (tty || e.type !== 'service') return progress.update(d.text);
    progress.update(`[${e.service}] ${e.phase}`, e.bytes);
  };
}

export function describeLivepushEvent(e: LivepushEvent): string | undefined {
  switch (e.type) {
    case 'ready':
      return `livepush: watching ${e.services.join(', ')} (Ctrl-C to stop)`;
    case 'sync':
      return `livepush: [${e.service}] syncing ${[...e.changed, ...e.deleted.map((d) => `-${d}`)].join(', ')}`;
    case 'synced': {
      const what = [
        `${e.copied} copied`,
        `${e.deleted} deleted`,
        ...(e.commands.length ? [`${e.commands.length} RUN re-run`] : []),
        e.restarted ? 'restarted' : 'not restarted',
      ];
      return `livepush: [${e.service}] ${what.join(', ')} in ${e.seconds.toFixed(2)} s${e.unmatched.length ? ` (not in the image: ${e.unmatched.join(', ')})` : ''}`;
    }
    case 'command-output':
      return `livepush: [${e.service}] ${e.line}`;
    case 'rebuild':
      return `livepush: ${e.reason}; rebuilding`;
    case 'rebuilt':
      return `livepush: rebuilt, release ${e.report.release.slice(0, 12)}`;
    case 'error':
      return `livepush: ${e.service ? `[${e.service}] ` : ''}error: ${e.message}`;
    case 'push':
      return undefined;
  }
}

/** `--nocache`, `--pull`, `--build-arg K=V` (repeatable), `--dockerfile F`, as `balena push` takes them. */
export function buildFlagsOf(args: ParsedArgs): BuildFlags {
  const buildArgs: Record<string, string> = {};
  for (const kv of listOpt(args, 'build-arg')) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`--build-arg expects K=V, got '${kv}'`);
    buildArgs[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const dockerfile = stringOpt(args, 'dockerfile');
  return {
    ...(flag(args, 'nocache') ? { nocache: true } : {}),
    ...(flag(args, 'pull') ? { pull: true } : {}),
    ...(Object.keys(buildArgs).length ? { buildArgs } : {}),
    ...(dockerfile ? { dockerfile } : {}),
  };
}

export const pushCommand: CliCommand = {
  usage: `edgepush push [DIR] --device ADDR [--build-on device|local] [--env K=V | --env svc:K=V]... [--service S] [--nocache] [--pull] [--build-arg K=V]... [--dockerfile F] [--nologs] [--nolive] [--detached] [--json] [--api-key KEY]

  DIR                 project folder with a docker-compose.yml or a Dockerfile (default: .)
  --device ADDR       device address or host name (local mode; supervisor on 48484 unless ADDR is host:port)
  --build-on WHERE    device (default, as balena push: build on the device's engine) or local (build here and
                      ship a delta against the image the device runs; the full image to a non-EdgePush device)
  --env K=V           environment for every service; svc:K=V for one service (repeatable, kept on rebuilds)
  --service S         build only this service (repeatable)
  --nocache           build without the engine's cache
  --pull              pull newer versions of the base images
  --build-arg K=V     a build argument for every service (repeatable; over the compose file's build.args)
  --dockerfile F      another Dockerfile (path in the build context) for services that do not name one
  --nologs            hide the image build output
  --nolive            no livepush after the push
  --detached          return once the update is applied (no logs, no livepush)
  --json              print the delta report as one JSON object on stdout (progress stays on stderr)
${deviceAccessUsage}
Exit codes: 0 ok, 2 bad project or usage, 3 device unreachable or not in local mode, 4 build failed,
5 the update was not applied (with --detached also: a service is not running), 130 interrupted.`,
  options: {
    device: { type: 'string' },
    'build-on': { type: 'string' },
    env: { type: 'string', multiple: true },
    service: { type: 'string', multiple: true },
    nolive: { type: 'boolean' },
    detached: { type: 'boolean' },
    json: { type: 'boolean' },
    nocache: { type: 'boolean' },
    pull: { type: 'boolean' },
    'build-arg': { type: 'string', multiple: true },
    dockerfile: { type: 'string' },
    nologs: { type: 'boolean' },
    ...deviceAccessOptions,
  },
  run: async (args) => {
    noExtraPositionals(args, 1);
    const projectDir = resolve(args.positionals[0] ?? '.');
    const device = requiredOpt(args, 'device');
    const buildOn = (stringOpt(args, 'build-on') ?? DEFAULT_BUILD_ON) as BuildOn;
    if (buildOn !== 'device' && buildOn !== 'local') throw new UsageError(`--build-on expects device or local, got '${buildOn}'`);
    const env = listOpt(args, 'env');
    const services = listOpt(args, 'service');
    const json = flag(args, 'json');
    const detached = flag(args, 'detached');
    const live = !detached && !flag(args, 'nolive');
    const build = buildFlagsOf(args);
    const access = deviceAccessOf(args);
    const buildLogs = !flag(args, 'nologs');
    const paint = paintFor(colorWanted(json ? process.stderr : process.stdout));

    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const progress = progressLine(process.stderr);
    const pushedAt = Date.now();
    // a QEMU board whose guest stops answering ends the push within seconds, with a power cycle offered
    const boardWatch = watchBoardFor(device, () => stop.abort());
    try {
      const report = await pushProject({
        projectDir,
        device,
        makeBaseImage,
        access,
        build,
        buildOn,
        env,
        services: services.length ? services : undefined,
        live,
        baseImages: provideBaseImages,
        signal: stop.signal,
        onEvent: pushEventPrinter(progress, undefined, buildLogs),
      });
      progress.done();
      if (json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else process.stdout.write(`${formatReport(report)}\n`);
      const notRunning = report.services.filter((s) => !serviceIsUp(s.state));
      if (notRunning.length > 0)
        process.stderr.write(`edgepush push: not running: ${notRunning.map((s) => `${s.name} (${s.state})`).join(', ')}\n`);
      if (detached) return notRunning.length > 0 ? 5 : 0;

      const out = json ? process.stderr : process.stdout;
      const logs = new DeviceClient(device, access).followLogs({
        signal: stop.signal,
        since: pushedAt,
        onLine: (l) => out.write(`${formatLogLine(l, { service: paint.service, dim: paint.dim })}\n`),
        onDisconnect: (reason) => process.stderr.write(`--- log stream lost (${reason}); reconnecting ---\n`),
        onReconnect: () => process.stderr.write(`--- reconnected to ${device} ---\n`),
      });
      const lp = live
        ? await startLivepush({
            projectDir,
            device,
            access,
            env,
            buildOn,
            services: services.length ? services : undefined,
            signal: stop.signal,
            onEvent: (e) => {
              if (e.type === 'push') return pushEventPrinter(progress, undefined, buildLogs)(e.event);
              const text = describeLivepushEvent(e);
              if (text) process.stderr.write(`${text}\n`);
            },
          })
        : undefined;
      await logs;
      await lp?.dispose();
      const hung = boardWatch.verdict();
      if (hung) {
        boardWatch.stop();
        return await reportHungBoard(hung);
      }
      return 0;
    } catch (err) {
      progress.done();
      const hung = boardWatch.verdict();
      if (hung) {
        boardWatch.stop();
        return await reportHungBoard(hung);
      }
      if (stop.signal.aborted && exitCodeOf(err) === 130) return 130;
      process.stderr.write(`edgepush push: ${messageOf(err)}\n`);
      if (process.env.EDGEPUSH_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
      return exitCodeOf(err);
    } finally {
      boardWatch.stop();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
