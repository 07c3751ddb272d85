// How a CLI subcommand is described: options for node:util parseArgs (strict, so unknown flags are errors),
// a usage line, and a run function that returns the exit code. Each subcommand lives in commands/<name>.ts
// and is registered once in registry.ts, which loads it only when it runs.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseBytes } from '../shared/composeUnits.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

/** A subcommand's options and behaviour; its name and one-line summary live in registry.ts. */
export interface CliCommand {
  /** Usage text shown by `edgepush NAME --help`; the first line is the synopsis. */
  usage: string;
  options: OptionSpec;
  run(args: ParsedArgs): Promise<number>;
}

const brand = Symbol.for('edgepush.UsageError');

/** A mistake in how the command was called: printed as one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
    Object.defineProperty(this, brand, { value: true });
  }

  /** `instanceof` by brand: the heavy commands run from a bundle of their own (dist/cliHeavy.js). */
  static override [Symbol.hasInstance](x: unknown): boolean {
    if (this !== UsageError) return Function.prototype[Symbol.hasInstance].call(this, x);
    return typeof x === 'object' && x !== null && brand in x;
  }
}

export function parseCommandArgs(cmd: CliCommand, argv: string[]): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: cmd.options,
      strict: true,
      allowPositionals: true,
    });
    return { values: values as ParsedArgs['values'], positionals };
  } catch (err) {
    // parseArgs messages are long and mention internals; keep the first sentence.
    const msg = err instanceof Error ? err.message.split('. ')[0]!.replace(/\.$/, '') : String(err);
    throw new UsageError(msg);
  }
}

export function stringOpt(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function requiredOpt(args: ParsedArgs, name: string): string {
  const v = stringOpt(args, name);
  if (v === undefined || v === '') throw new UsageError(`missing required option --${name}`);
  return v;
}

export function listOpt(args: ParsedArgs, name: string): string[] {
  const v = args.values[name];
  return Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [];
}

export function flag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

export function intOpt(args: ParsedArgs, name: string, fallback: number): number {
  const v = stringOpt(args, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} expects a non-negative number, got '${v}'`);
  return n;
}

// The windowed codec's smallest window is 1 MiB, a sixteenth of this.
const MIN_MEMORY_BUDGET = 16 << 20;

/** `--memory-budget SIZE` (e.g. 64MB, 1GiB): what the engine may hold while it makes a delta; undefined when not
 *  given (the engine's default, 256 MiB). */
export function memoryBudgetOpt(args: ParsedArgs): number | undefined {
  const v = stringOpt(args, 'memory-budget');
  if (v === undefined) return undefined;
  const bytes = parseBytes(v);
  if (bytes === undefined) throw new UsageError(`--memory-budget takes a size such as 64MB, not '${v}'`);
  if (bytes < MIN_MEMORY_BUDGET) throw new UsageError(`--memory-budget must be at least 16MB, not '${v}'`);
  return bytes;
}

export function positional(args: ParsedArgs, index: number, what: string): string {
  const v = args.positionals[index];
  if (v === undefined) throw new UsageError(`missing argument ${what}`);
  return v;
}

/** For commands that take a fixed number of positionals. */
export function noExtraPositionals(args: ParsedArgs, max: number): void {
  if (args.positionals.length > max) throw new UsageError(`unexpected argument '${args.positionals[max]}'`);
}
