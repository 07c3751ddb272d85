// Every subcommand of `edgepush`, in the order `--help` lists them. A command's module is loaded only when that
// command runs; the heavy ones come from heavyCommands.ts (a bundle of its own) and the device agent from
// deviceCommands.ts (another), so a light command never
// evaluates, nor even compiles, the Docker client, the device or the board code.
import type { CliCommand } from './command.js';

export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<CliCommand>;
}

const heavy = () => import('./heavyCommands.js');
const device = () => import('./deviceCommands.js');

export const commands: readonly CommandEntry[] = [
  {
    name: 'demo',
    summary: 'push an example to a simulated device and show the delta report',
    load: async () => (await heavy()).demoCommand,
  },
  { name: 'push', summary: 'build a project and run it on a device', load: async () => (await heavy()).pushCommand },
  { name: 'logs', summary: 'stream the logs of a device', load: async () => (await heavy()).logsCommand },
  { name: 'ssh', summary: 'open a shell in a service (or the host OS) of a device', load: async () => (await heavy()).sshCommand },
  { name: 'status', summary: 'show the state of a device and its services', load: async () => (await heavy()).statusCommand },
  { name: 'scan', summary: 'find local-mode devices on the network', load: async () => (await heavy()).scanCommand },
  { name: 'device', summary: 'run a simulated local-mode device in the foreground', load: async () => (await device()).deviceCommand },
  { name: 'board', summary: 'build, start and stop emulated QEMU boards', load: async () => (await heavy()).boardCommand },
  {
    name: 'delta',
    summary: 'create, apply and report binary deltas',
    load: async () => (await import('./commands/delta.js')).deltaCommand,
  },
  { name: 'registry', summary: 'run a local OCI registry (start, stop, status)', load: async () => (await heavy()).registryCommand },
  { name: 'fleet', summary: 'simulated fleets and staged rollouts through a registry', load: async () => (await heavy()).fleetCommand },
  { name: 'image', summary: 'push images and EdgePush deltas to an OCI registry', load: async () => (await heavy()).imageCommand },
  {
    name: 'completion',
    summary: 'print a shell completion script (bash or zsh)',
    load: async () => (await import('./commands/completion.js')).completionCommand,
  },
  {
    name: 'base-images',
    summary: 'build the small local base images that examples and tests use',
    load: async () => (await heavy()).baseImagesCommand,
  },
];
