import type { CliCommand } from '../command.js';
import { notYetAvailable } from '../notYetAvailable.js';

export const deltaCommand: CliCommand = {
  name: 'delta',
  summary: 'create, apply and report binary deltas',
  usage: `edgepush delta create OLD NEW -o OUT | delta apply OLD DELTA -o OUT | delta report --from IMAGE --to IMAGE [--json]`,
  options: { output: { type: 'string', short: 'o' }, from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' } },
  run: () => notYetAvailable('delta', 6),
};
