// EdgePush: Refresh Devices — probes every device now.
import type { Services } from '../services.js';
import type { Command } from './command.js';

export const refreshCommand: Command = {
  id: 'edgepush.refresh',
  run(s: Services) {
    s.monitor.refresh();
  },
};
