// How a command is described: its id (as in package.json) and what it does with the extension's services.
// Each command lives in its own file and is registered once, in registry.ts.
import type { Services } from '../services.js';

export interface Command {
  id: string;
  run(services: Services, ...args: unknown[]): Promise<unknown> | unknown;
}
