import type { CliCommand } from '../command.js';
import { notYetAvailable } from '../notYetAvailable.js';

export const statusCommand: CliCommand = {
  name: 'status',
  summary: 'show the state of a device and its services',
  usage: `edgepush status ADDR [--json]`,
  options: { json: { type: 'boolean' } },
  run: () => notYetAvailable('status', 4),
};
