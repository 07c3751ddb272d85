import type { CliCommand } from '../command.js';
import { notYetAvailable } from '../notYetAvailable.js';

export const baseImagesCommand: CliCommand = {
  name: 'base-images',
  summary: 'build the small local base images that examples and tests use',
  usage: `edgepush base-images [--engine URL]`,
  options: { engine: { type: 'string' } },
  run: () => notYetAvailable('base-images', 3),
};
