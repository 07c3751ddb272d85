// EdgePush: Open Shell — an integrated terminal with a shell in the service's container, through the device's
// engine (as `balena ssh ADDR SERVICE` / `edgepush ssh ADDR SERVICE`).
import type { Services } from '../services.js';
import { openServiceTerminal } from '../terminal/serviceTerminal.js';
import type { Command } from './command.js';
import { pickService } from './pickDevice.js';

export const openShellCommand: Command = {
  id: 'edgepush.openShell',
  async run(s: Services, arg?: unknown) {
    const target = await pickService(s, arg);
    if (!target) return undefined;
    return openServiceTerminal(target.address, target.service, s.store.get(target.address)?.name ?? target.address);
  },
};
