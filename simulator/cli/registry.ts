// Every subcommand of `edgepush`, in the order `--help` lists them.
import type { CliCommand } from './command.js';
import { deviceCommand } from './commands/device.js';
import { pushCommand } from './commands/push.js';
import { logsCommand } from './commands/logs.js';
import { statusCommand } from './commands/status.js';
import { scanCommand } from './commands/scan.js';
import { deltaCommand } from './commands/delta.js';
import { boardCommand } from './commands/board.js';
import { baseImagesCommand } from './commands/base-images.js';
import { demoCommand } from './commands/demo.js';

export const commands: readonly CliCommand[] = [
  demoCommand,
  pushCommand,
  logsCommand,
  statusCommand,
  scanCommand,
  deviceCommand,
  boardCommand,
  deltaCommand,
  baseImagesCommand,
];
