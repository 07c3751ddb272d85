// EdgePush: Show Logs — the live log panel of a device: all services, or only the one whose tree item it ran on.
import type { Services } from '../services.js';
import type { Command } from './command.js';
import { serviceFromArg } from './commandArgs.js';
import { pickDevice } from './pickDevice.js';

export const showLogsCommand: Command = {
  id: 'edgepush.showLogs',
  async run(s: Services, arg?: unknown) {
    const address = await pickDevice(s, arg ?? s.targets.current, 'Logs of which device?');
    if (!address) return;
    await s.logs.show(address, s.store.get(address)?.name ?? address, false, serviceFromArg(arg));
  },
};
