import { flag, listOpt, noExtraPositionals, positional, type CliCommand } from '../command.js';
import { connectDevice } from '../../push/connect.js';
import { formatLogLine } from '../../push/format.js';
import { exitCodeOf } from '../../push/pushFailure.js';
import { messageOf } from '../../shared/errors.js';

/** `--service` and `--system` as balena has them: neither = everything; `--system` alone = system lines only. */
export function logFilter(services: string[], system: boolean): { services: string[] | undefined; system: boolean } {
  if (services.length === 0) return { services: system ? [] : undefined, system: true };
  return { services, system };
}

export const logsCommand: CliCommand = {
  usage: `edgepush logs ADDR [--service S]... [--system] [--no-follow]

  --service S   only this service's lines (repeatable)
  --system      system lines (alone: only system lines; with --service: those services and system lines)
  --no-follow   print what the device has kept (an EdgePush device keeps recent lines) and exit
Follows until Ctrl-C, reconnecting on its own (device restart, dropped stream) without repeating lines.
Exit codes: 0 ok, 3 the device does not answer.`,
  options: { service: { type: 'string', multiple: true }, system: { type: 'boolean' }, 'no-follow': { type: 'boolean' } },
  run: async (args) => {
    noExtraPositionals(args, 1);
    const address = positional(args, 0, 'ADDR');
    const filter = logFilter(listOpt(args, 'service'), flag(args, 'system'));
    const noFollow = flag(args, 'no-follow');
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const { client } = await connectDevice(address, stop.signal);
      await client.followLogs({
        signal: stop.signal,
        ...filter,
        ...(noFollow ? { since: 0, stopWhenIdleMs: 1500 } : {}),
        onLine: (l) => process.stdout.write(`${formatLogLine(l)}\n`),
        onDisconnect: (reason) => process.stderr.write(`--- log stream lost (${reason}); reconnecting ---\n`),
        onReconnect: () => process.stderr.write(`--- reconnected to ${address} ---\n`),
      });
      return 0;
    } catch (err) {
      process.stderr.write(`edgepush logs: ${messageOf(err)}\n`);
      return exitCodeOf(err);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
