// The commands of the board agent (dist/agent.js, simulator/board/agentDisk.ts): the build puts this list in place
// of registry.ts, so the one file a board's loader compiles into its code cache holds the device agent alone and
// nothing is loaded later. Everything else runs on the host.
import type { CommandEntry } from './registry.js';
import { deviceCommand } from './commands/device.js';

export const commands: readonly CommandEntry[] = [
  { name: 'device', summary: 'run the local-mode device agent in the foreground', load: async () => deviceCommand },
];
