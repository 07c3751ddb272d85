// Runs one subcommand of a command list: `edgepush` (main.ts, every command) and the device agent run as a
// program of its own (deviceCommands.ts, `device` only: the board's agent). Usage mistakes are one line on stderr
// and exit code 2, failures a clear message and exit code 1 (or the command's own code).
import type { CommandEntry } from './registry.js';
import { parseCommandArgs, UsageError, type CliCommand } from './command.js';
import { EdgePushError, messageOf } from '../shared/errors.js';

declare const EDGEPUSH_VERSION: string | undefined;

function mainHelp(commands: readonly CommandEntry[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: edgepush <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    '  --help, -h     this help',
    '  --version, -v  the version of edgepush',
    '',
    'Run `edgepush <command> --help` for the options of one command.',
  ].join('\n');
}

function commandHelp(entry: CommandEntry, cmd: CliCommand): string {
  return `Usage: ${cmd.usage}\n\n${entry.summary}`;
}

export async function dispatch(commands: readonly CommandEntry[], argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${mainHelp(commands)}\n`);
    return 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${typeof EDGEPUSH_VERSION === 'string' ? EDGEPUSH_VERSION : 'dev'}\n`);
    return 0;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    process.stderr.write(`edgepush: unknown command '${name}' (see edgepush --help)\n`);
    return 2;
  }
  const cmd = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${commandHelp(entry, cmd)}\n`);
    return 0;
  }
  try {
    const args = parseCommandArgs(cmd, rest);
    return await cmd.run(args);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`edgepush ${name}: ${err.message} (see edgepush ${name} --help)\n`);
      return 2;
    }
    if (EdgePushError.is(err, 'invalid-input')) {
      process.stderr.write(`edgepush ${name}: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`edgepush ${name}: ${messageOf(err)}\n`);
    if (process.env.EDGEPUSH_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

/** The process's own command line through `dispatch`, its result as the exit code. */
export function runAsProgram(commands: readonly CommandEntry[]): void {
  dispatch(commands, process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`edgepush: ${messageOf(err)}\n`);
      process.exitCode = 1;
    },
  );
}
