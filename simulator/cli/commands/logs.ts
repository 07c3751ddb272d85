import type { CliCommand } from '../command.js';
import { notYetAvailable } from '../notYetAvailable.js';

export const logsCommand: CliCommand = {
  name: 'logs',
  summary: 'stream the logs of a device',
  usage: `edgepush logs ADDR [--service S] [--system] [--no-follow]`,
  options: { service: { type: 'string', multiple: true }, system: { type: 'boolean' }, 'no-follow': { type: 'boolean' } },
  run: () => notYetAvailable('logs', 4),
};
