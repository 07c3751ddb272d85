import type { CliCommand } from '../command.js';
import { notYetAvailable } from '../notYetAvailable.js';

export const scanCommand: CliCommand = {
  name: 'scan',
  summary: 'find local-mode devices on the network',
  usage: `edgepush scan [--timeout S] [--json]`,
  options: { timeout: { type: 'string' }, json: { type: 'boolean' } },
  run: () => notYetAvailable('scan', 4),
};
