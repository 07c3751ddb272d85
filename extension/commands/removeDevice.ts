// EdgePush: Remove Device — forgets an added (or discovered) device.
import type { Services } from '../services.js';
import type { Command } from './command.js';
import { pickDevice } from './pickDevice.js';

export const removeDeviceCommand: Command = {
  id: 'edgepush.removeDevice',
  async run(s: Services, arg?: unknown) {
    const address = await pickDevice(s, arg, 'Remove which device?', ['manual', 'mdns']);
    if (!address) return;
    s.logs.forget(address);
    await s.targets.removeAddress(address);
  },
};
