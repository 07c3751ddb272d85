// EdgePush: Restart Service.
import type { Services } from '../services.js';
import type { Command } from './command.js';
import { runServiceAction } from './serviceAction.js';

export const restartServiceCommand: Command = {
  id: 'edgepush.restartService',
  run: (s: Services, arg?: unknown) => runServiceAction(s, 'restart', arg),
};
