// Shell completion scripts for `edgepush completion bash|zsh`: subcommands, then each subcommand's flags, then
// file names. Pure: built from the command registry's names and options.

export interface CompletionEntry {
  name: string;
  summary: string;
  /** Flags as typed: `--device`, `-f`. */
  flags: string[];
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function bashCompletion(entries: readonly CompletionEntry[]): string {
  const cases = entries.map((e) => `    ${e.name}) opts=${quote([...e.flags, '--help'].join(' '))} ;;`).join('\n');
  return `# edgepush completion for bash: eval "$(edgepush completion bash)" (or save it in ~/.local/share/bash-completion/completions/edgepush)
_edgepush() {
  local cur=\${COMP_WORDS[COMP_CWORD]} opts=''
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W ${quote([...entries.map((e) => e.name), '--help', '--version'].join(' '))} -- "$cur"))
    return
  fi
  case "\${COMP_WORDS[1]}" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o filenames -F _edgepush edgepush
`;
}

export function zshCompletion(entries: readonly CompletionEntry[]): string {
  const commands = entries.map((e) => `    ${quote(`${e.name}:${e.summary.replace(/:/g, '\\:')}`)}`).join('\n');
  const cases = entries.map((e) => `    ${e.name}) opts=(${[...e.flags, '--help'].map(quote).join(' ')}) ;;`).join('\n');
  return `#compdef edgepush
# edgepush completion for zsh: edgepush completion zsh > "\${fpath[1]}/_edgepush" (then restart zsh),
# or source <(edgepush completion zsh) after compinit
_edgepush() {
  local -a commands opts
  commands=(
${commands}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  case $words[2] in
${cases}
  esac
  if [[ $PREFIX == -* ]]; then
    compadd -- $opts
  else
    _files
  fi
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then _edgepush "$@"; else compdef _edgepush edgepush; fi
`;
}
