// The one command a simulated device runs for as long as it lives (`edgepush device`): the agent, bundled alone as
// dist/agent.js. `edgepush device` (registry.ts) requires it, so an agent compiles and keeps in memory the device
// code alone (about a third of dist/cliHeavy.js): push, board, fleet and registry code never load in the process
// that N simulated devices each run. Run as a program (`node dist/agent.js device ...`: what a QEMU board runs, the
// file alone on its agent disk) it is the CLI with that one command.
import { resolve } from 'node:path';
import { commands } from './agentRegistry.js';
import { runAsProgram } from './dispatch.js';

export { deviceCommand } from './commands/device.js';

// Required (by dist/cli.js, or as a library by the bundles layered on it), the process's script is another file.
// The board's loader runs the file through vm with its own module object: there the script path says it.
const isProgram = require.main === module || (process.argv[1] !== undefined && resolve(process.argv[1]) === __filename);
if (isProgram) runAsProgram(commands);
