// The one command a simulated device runs for as long as it lives (`edgepush device`): the agent. The CLI build
// keeps it in a bundle of its own (dist/cliDevice.js) that registry.ts loads only for it, so an agent compiles and
// keeps in memory the device code alone (about a third of dist/cliHeavy.js): push, board, fleet and registry
// code never load in the process that N simulated devices each run.
export { deviceCommand } from './commands/device.js';
