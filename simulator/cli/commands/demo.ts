import type { CliCommand } from '../command.js';
import { notYetAvailable } from '../notYetAvailable.js';

export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'push an example to a simulated device and show the delta report',
  usage: `edgepush demo [--keep]`,
  options: { keep: { type: 'boolean' } },
  run: () => notYetAvailable('demo', 4),
};
