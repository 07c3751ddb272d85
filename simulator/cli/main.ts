// `edgepush`: the command-line entry point (dist/cli.js): every command of registry.ts through dispatch.ts.
import { commands } from './registry.js';
import { runAsProgram } from './dispatch.js';

runAsProgram(commands);
