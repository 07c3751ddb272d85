// `edgepush registry start|stop|status`: a real OCI registry (Debian's docker-registry, CNCF distribution 2.8)
// on a loopback address, for `image push`, `image delta` and fleet rollouts.
import { UsageError, flag, intOpt, noExtraPositionals, stringOpt, type CliCommand, type ParsedArgs } from '../command.js';
import {
  DEFAULT_REGISTRY_ADDRESS,
  DEFAULT_REGISTRY_PORT,
  listRegistries,
  registryStatus,
  startRegistry,
  stopRegistry,
} from '../../registry/registryServer.js';

const usage = `edgepush registry start [--address A] [--port P] [--data DIR] | registry stop [--address A] [--port P] | registry status [--json]

  start    run a registry in the background on A:P (default ${DEFAULT_REGISTRY_ADDRESS}:${DEFAULT_REGISTRY_PORT}); storage and log in DIR
           (default ~/.local/state/edgepush/registries/A-P); prints its URL for --registry
  stop     stop the registry started on A:P (its storage is kept)
  status   the registries started here, and whether they answer`;

async function run(args: ParsedArgs): Promise<number> {
  const sub = args.positionals[0];
  noExtraPositionals(args, 1);
  const address = stringOpt(args, 'address') ?? DEFAULT_REGISTRY_ADDRESS;
  const port = intOpt(args, 'port', DEFAULT_REGISTRY_PORT);
  switch (sub) {
    case 'start': {
      const r = await startRegistry({ address, port, dataDir: stringOpt(args, 'data') });
      if (flag(args, 'json')) process.stdout.write(`${JSON.stringify(r)}\n`);
      else process.stdout.write(`${r.url}\n`);
      process.stderr.write(
        `${r.alreadyRunning ? 'registry already running' : 'registry started'} on ${r.url} (pid ${r.pid}, data ${r.dataDir})\n`,
      );
      return 0;
    }
    case 'stop': {
      const stopped = await stopRegistry(address, port);
      process.stderr.write(stopped ? `registry on ${address}:${port} stopped\n` : `no registry started here on ${address}:${port}\n`);
      return stopped ? 0 : 1;
    }
    case 'status': {
      const all = stringOpt(args, 'address')
        ? [await registryStatus(address, port)].filter((r) => r !== undefined)
        : await listRegistries();
      if (flag(args, 'json')) process.stdout.write(`${JSON.stringify(all)}\n`);
      else if (all.length === 0) process.stdout.write('no registry running (edgepush registry start)\n');
      else
        for (const r of all)
          process.stdout.write(`${r.url}  ${r.answering ? 'answering' : 'NOT answering'}  pid ${r.pid}  data ${r.dataDir}\n`);
      return all.length > 0 && all.every((r) => r.answering) ? 0 : 1;
    }
    case undefined:
      throw new UsageError('missing subcommand (start, stop or status)');
    default:
      throw new UsageError(`unknown subcommand '${sub}' (expected start, stop or status)`);
  }
}

export const registryCommand: CliCommand = {
  usage,
  options: { address: { type: 'string' }, port: { type: 'string' }, data: { type: 'string' }, json: { type: 'boolean' } },
  run,
};
