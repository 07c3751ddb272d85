// Every subcommand of `edgepush`, in the order `--help` lists them. A command's module, and what it imports (the
// Docker client, the device, QEMU), is loaded only when that command runs: evaluating the whole bundle costs
// about 100 ms, more than `edgepush delta create` needs for a 10 MB layer.
import type { CliCommand } from './command.js';

export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<CliCommand>;
}

export const commands: readonly CommandEntry[] = [
  {
    name: 'demo',
    summary: 'push an example to a simulated device and show the delta report',
    load: async () => (await import('./commands/demo.js')).demoCommand,
  },
  { name: 'push', summary: 'build a project and run it on a device', load: async () => (await import('./commands/push.js')).pushCommand },
  { name: 'logs', summary: 'stream the logs of a device', load: async () => (await import('./commands/logs.js')).logsCommand },
  { name: 'status', summary: 'show the state of a device and its services', load: async () => (await import('./commands/status.js')).statusCommand },
  { name: 'scan', summary: 'find local-mode devices on the network', load: async () => (await import('./commands/scan.js')).scanCommand },
  {
    name: 'device',
    summary: 'run a simulated local-mode device in the foreground',
    load: async () => (await import('./commands/device.js')).deviceCommand,
  },
  { name: 'board', summary: 'build, start and stop emulated QEMU boards', load: async () => (await import('./commands/board.js')).boardCommand },
  { name: 'delta', summary: 'create, apply and report binary deltas', load: async () => (await import('./commands/delta.js')).deltaCommand },
  {
    name: 'base-images',
    summary: 'build the small local base images that examples and tests use',
    load: async () => (await import('./commands/base-images.js')).baseImagesCommand,
  },
];
