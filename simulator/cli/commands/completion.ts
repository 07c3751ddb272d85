// `edgepush completion bash|zsh`: prints a completion script built from every command's options.
import { noExtraPositionals, positional, UsageError, type CliCommand, type OptionSpec } from '../command.js';
import { bashCompletion, zshCompletion, type CompletionEntry } from '../completionScript.js';
import { commands } from '../registry.js';

function flagsOf(options: OptionSpec): string[] {
  return Object.entries(options).flatMap(([name, o]) => [`--${name}`, ...(o.short ? [`-${o.short}`] : [])]);
}

export const completionCommand: CliCommand = {
  usage: `edgepush completion bash|zsh

Prints a completion script for the shell:
  bash:  eval "$(edgepush completion bash)"     (in ~/.bashrc)
  zsh:   source <(edgepush completion zsh)       (in ~/.zshrc, after compinit)`,
  options: {},
  run: async (args) => {
    noExtraPositionals(args, 1);
    const shell = positional(args, 0, 'bash|zsh');
    if (shell !== 'bash' && shell !== 'zsh') throw new UsageError(`completion is for bash or zsh, got '${shell}'`);
    const entries: CompletionEntry[] = [];
    for (const c of commands) entries.push({ name: c.name, summary: c.summary, flags: flagsOf((await c.load()).options) });
    process.stdout.write(shell === 'bash' ? bashCompletion(entries) : zshCompletion(entries));
    return 0;
  },
};
