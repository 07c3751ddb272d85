// The options every command that talks to a device takes: `--api-key KEY` (or EDGEPUSH_API_KEY in the
// environment, so the key stays out of the shell history) and `--engine-port N` (the device's engine, when it is
// not on 2375, e.g. through an SSH tunnel). The supervisor's port goes in the address: `host:port`.
import type { DeviceAccess } from '../push/types.js';
import { stringOpt, UsageError, type OptionSpec, type ParsedArgs } from './command.js';

export const deviceAccessOptions: OptionSpec = {
  'api-key': { type: 'string' },
  'engine-port': { type: 'string' },
};

export const deviceAccessUsage = `  --api-key KEY       the device's API key (default: $EDGEPUSH_API_KEY), sent as Authorization: Bearer KEY
  --engine-port N     the device's engine port (default 2375); the supervisor port goes in ADDR as host:port`;

export function deviceAccessOf(args: ParsedArgs, env: NodeJS.ProcessEnv = process.env): DeviceAccess {
  const apiKey = stringOpt(args, 'api-key') ?? (env.EDGEPUSH_API_KEY || undefined);
  const port = stringOpt(args, 'engine-port');
  let enginePort: number | undefined;
  if (port !== undefined) {
    enginePort = Number(port);
    if (!/^\d{1,5}$/.test(port) || enginePort < 1 || enginePort > 65535)
      throw new UsageError(`--engine-port expects a port number, got '${port}'`);
  }
  return { ...(apiKey ? { apiKey } : {}), ...(enginePort ? { enginePort } : {}) };
}
