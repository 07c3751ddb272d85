import type { CliCommand } from '../command.js';
import { notYetAvailable } from '../notYetAvailable.js';

export const deviceCommand: CliCommand = {
  name: 'device',
  summary: 'run a simulated local-mode device in the foreground',
  usage: `edgepush device --address ADDR [--name NAME] [--device-type TYPE] [--arch ARCH] [--data DIR] [--engine URL] [--link RATE] [--announce IFACE]`,
  options: { address: { type: 'string' }, name: { type: 'string' }, 'device-type': { type: 'string' }, arch: { type: 'string' }, data: { type: 'string' }, engine: { type: 'string' }, link: { type: 'string' }, announce: { type: 'string' } },
  run: () => notYetAvailable('device', 3),
};
