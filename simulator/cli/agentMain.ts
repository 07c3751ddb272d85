// dist/agent.js, the program a QEMU board runs (simulator/board/agentDisk.ts): `edgepush device` and nothing else.
// The same command line as the CLI (`agent.js device --address ...`), but the bundle holds only the device and what
// it needs: under TCG every module evaluated at start-up costs, and the whole CLI (push, demo, board, the schemas
// of every command) took most of the agent's start-up (a profile in the guest: 22 of 26 s of top-level code in
// modules the device never uses, load 20).
import { parseCommandArgs, UsageError } from './command.js';
import { deviceCommand } from './commands/device.js';
import { messageOf } from '../shared/errors.js';

async function agentMain(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name !== 'device') {
    process.stderr.write(`edgepush agent: runs only \`device\` (got '${name ?? ''}'); the CLI is dist/cli.js\n`);
    return 2;
  }
  try {
    return await deviceCommand.run(parseCommandArgs(deviceCommand, rest));
  } catch (err) {
    process.stderr.write(`edgepush device: ${messageOf(err)}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
}

agentMain(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`edgepush agent: ${messageOf(err)}\n`);
    process.exitCode = 1;
  },
);
