import type { CliCommand } from '../command.js';
import { notYetAvailable } from '../notYetAvailable.js';

export const boardCommand: CliCommand = {
  name: 'board',
  summary: 'build, start and stop emulated QEMU boards',
  usage: `edgepush board build|start|stop|kill|list|logs [--board x86_64] [--address ADDR] [--image FILE] [--memory MB] [--cpus N]`,
  options: { board: { type: 'string' }, address: { type: 'string' }, image: { type: 'string' }, memory: { type: 'string' }, cpus: { type: 'string' } },
  run: () => notYetAvailable('board', 7),
};
