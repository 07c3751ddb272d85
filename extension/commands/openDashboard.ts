// EdgePush: Open Dashboard.
import type { Services } from '../services.js';
import type { Command } from './command.js';

export const openDashboardCommand: Command = {
  id: 'edgepush.openDashboard',
  run(s: Services) {
    s.dashboard.show();
  },
};
