// EdgePush: Stop Service.
import type { Services } from '../services.js';
import type { Command } from './command.js';
import { runServiceAction } from './serviceAction.js';

export const stopServiceCommand: Command = {
  id: 'edgepush.stopService',
  run: (s: Services, arg?: unknown) => runServiceAction(s, 'stop', arg),
};
