import { flag, listOpt, noExtraPositionals, positional, stringOpt, type CliCommand } from '../command.js';
import { colorWanted, paintFor } from '../colors.js';
import { deviceAccessOf, deviceAccessOptions, deviceAccessUsage } from '../deviceAccessFlags.js';
import { parseSince, parseTail, TailBuffer } from '../logWindow.js';
import { connectDevice } from '../../push/connect.js';
import { formatLogLine } from '../../push/format.js';
import { exitCodeOf } from '../../push/pushFailure.js';
import type { DeviceLogLine } from '../../push/types.js';
import { messageOf } from '../../shared/errors.js';

/** `--service` and `--system` as balena has them: neither = everything; `--system` alone = system lines only. */
export function logFilter(services: string[], system: boolean): { services: string[] | undefined; system: boolean } {
  if (services.length === 0) return { services: system ? [] : undefined, system: true };
  return { services, system };
}

/** How long the stream must be quiet before a `logs` without `-f` has printed everything the device kept. */
const IDLE_END_MS = 1500;
/** With `-f --tail N`: how long to wait for the replay before letting the held lines out. */
const REPLAY_SETTLE_MS = 700;

export const logsCommand: CliCommand = {
  usage: `edgepush logs ADDR [-f] [--tail N] [--since WHEN] [--service S]... [--system] [--api-key KEY]

  -f, --follow        keep following new lines until Ctrl-C, reconnecting on its own (device restart, dropped
                      stream) without repeating lines; without it, print what the device kept and exit
  --tail N            only the last N of the lines the device kept (then, with -f, every new line)
  --since WHEN        only lines from then on: a duration (10m, 1h30m), a date-time or Unix seconds
  --service S         only this service's lines (repeatable)
  --system            system lines (alone: only system lines; with --service: those services and system lines)
${deviceAccessUsage}
Times are in local time. Service names are coloured on a terminal (NO_COLOR=1 turns colour off).
An EdgePush device keeps recent lines; a balenaOS device keeps none, so there only new lines show.
Exit codes: 0 ok, 3 the device does not answer.`,
  options: {
    follow: { type: 'boolean', short: 'f' },
    'no-follow': { type: 'boolean' },
    tail: { type: 'string' },
    since: { type: 'string' },
    service: { type: 'string', multiple: true },
    system: { type: 'boolean' },
    ...deviceAccessOptions,
  },
  run: async (args) => {
    noExtraPositionals(args, 1);
    const address = positional(args, 0, 'ADDR');
    const filter = logFilter(listOpt(args, 'service'), flag(args, 'system'));
    const follow = flag(args, 'follow') && !flag(args, 'no-follow');
    const tail = parseTail(stringOpt(args, 'tail'));
    const sinceText = stringOpt(args, 'since');
    const since = sinceText !== undefined ? parseSince(sinceText) : 0;
    const access = deviceAccessOf(args);
    const paint = paintFor(colorWanted(process.stdout));
    const style = { service: paint.service, dim: paint.dim };
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const startedAt = Date.now();
    const buffer = new TailBuffer<DeviceLogLine>(tail, startedAt, (l) => process.stdout.write(`${formatLogLine(l, style)}\n`));
    const settle = follow && tail !== undefined ? setTimeout(() => buffer.flush(), REPLAY_SETTLE_MS) : undefined;
    try {
      const { client } = await connectDevice(address, stop.signal, undefined, access);
      await client.followLogs({
        signal: stop.signal,
        ...filter,
        since,
        ...(follow ? {} : { stopWhenIdleMs: IDLE_END_MS }),
        // A balenaOS supervisor ignores `since` and streams only new lines: filter here too.
        onLine: (l) => {
          // Without -f, the first line newer than the command is past what the device kept: done (a chatty
          // service never leaves the stream idle).
          if (!follow && l.timestamp !== undefined && l.timestamp >= startedAt) return stop.abort();
          if (l.timestamp === undefined || l.timestamp >= since) buffer.push(l);
        },
        onDisconnect: (reason) => process.stderr.write(`--- log stream lost (${reason}); reconnecting ---\n`),
        onReconnect: () => process.stderr.write(`--- reconnected to ${address} ---\n`),
      });
      buffer.flush();
      return 0;
    } catch (err) {
      buffer.flush();
      process.stderr.write(`edgepush logs: ${messageOf(err)}\n`);
      return exitCodeOf(err);
    } finally {
      clearTimeout(settle);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
