// EdgePush: Start Service.
import type { Services } from '../services.js';
import type { Command } from './command.js';
import { runServiceAction } from './serviceAction.js';

export const startServiceCommand: Command = {
  id: 'edgepush.startService',
  run: (s: Services, arg?: unknown) => runServiceAction(s, 'start', arg),
};
