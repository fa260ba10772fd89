import { usageError } from '../cli-output.js';

// `pipe-tui completion bash|zsh|fish`: a script for the shell that hands the words typed so far to
// `pipe-tui __complete words -- …` (complete-words.ts decides, the same for every shell) and offers what it
// prints; where it prints nothing (a file, a folder), the shell's own file completion. The program called is the
// one being completed (the first word), so a pipe-tui outside PATH completes itself.

const BASH = `# pipe-tui completion for bash: commands, options, run ids and pipeline names (read from the workspace as you type).
# In this shell:   source <(pipe-tui completion bash)
# For good:        pipe-tui completion bash > ~/.local/share/bash-completion/completions/pipe-tui
_pipe_tui_complete() {
  local IFS=$'\\n'
  COMPREPLY=($("\${COMP_WORDS[0]}" __complete words -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
}
complete -o default -F _pipe_tui_complete pipe-tui
`;

const ZSH = `#compdef pipe-tui
# pipe-tui completion for zsh: commands, options, run ids and pipeline names (read from the workspace as you type).
# In this shell (after compinit):   source <(pipe-tui completion zsh)
# For good: add that line to ~/.zshrc, after compinit.
_pipe_tui() {
  local -a candidates
  candidates=("\${(@f)$("\${words[1]}" __complete words -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  candidates=("\${(@)candidates:#}")
  if (( \${#candidates} )); then
    compadd -- "\${candidates[@]}"
  else
    _files
  fi
}
compdef _pipe_tui pipe-tui
`;

const FISH = `# pipe-tui completion for fish: commands, options, run ids and pipeline names (read from the workspace as you type).
# In this shell:   pipe-tui completion fish | source
# For good:        pipe-tui completion fish > ~/.config/fish/completions/pipe-tui.fish
function __pipe_tui_complete
    set -l cur (commandline -ct)
    set -l words (commandline -opc) "$cur"
    set -l found ($words[1] __complete words -- $words[2..-1] 2>/dev/null)
    if test (count $found) -eq 0
        __fish_complete_path "$cur"
    else
        printf '%s\\n' $found
    end
end
complete -c pipe-tui -f -a '(__pipe_tui_complete)'
`;

export const SCRIPTS: Record<string, string> = { bash: BASH, zsh: ZSH, fish: FISH };

export async function completionCommand(shell: string): Promise<number> {
  const script = SCRIPTS[shell];
  if (!script) throw usageError(`completion takes bash, zsh or fish, not ${JSON.stringify(shell.slice(0, 40))}`);
  process.stdout.write(script);
  return 0;
}
