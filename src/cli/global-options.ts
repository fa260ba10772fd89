import type { Command } from 'commander';
import { PipeError } from '../shared/errors.js';
import type { CommandSpec } from './command-table.js';

// The options every invocation shares, read from the root wherever they were typed, and refused where they mean
// nothing: an option that is silently ignored is how a command ends up acting on the wrong workspace.

export interface GlobalOptions {
  workspace?: string;
  json: boolean;
  ascii: boolean;
  bell: boolean;
}

/** An option's parser that refuses a second, different value (`--workspace A ls --workspace B`). */
export function onceOnly(flag: string): (value: string, previous: string | undefined) => string {
  return (value, previous) => {
    if (previous !== undefined && previous !== value) {
      throw new PipeError('ERR_USAGE', `${flag} given twice with different values (${JSON.stringify(previous)} and ${JSON.stringify(value)}): give it once`);
    }
    return value;
  };
}

/** The global options for `spec` (null: the TUI), or ERR_USAGE for one that does not apply there. */
export function globalOptions(root: Command, spec: CommandSpec | null): GlobalOptions {
  const opts = root.opts<{ workspace?: string; json?: boolean; ascii?: boolean; bell?: boolean }>();
  const given = (name: string): boolean => root.getOptionValueSource(name) === 'cli';
  const name = spec ? spec.usage.split(' ')[0] : null;
  if (spec && !spec.json && given('json')) throw new PipeError('ERR_USAGE', `${name} takes no --json`);
  if (!spec && given('json')) throw new PipeError('ERR_USAGE', 'the TUI takes no --json; for JSON use pipe-tui ls --json or pipe-tui status <run> --json');
  for (const tuiOnly of ['ascii', 'bell']) {
    if (spec && given(tuiOnly)) throw new PipeError('ERR_USAGE', `--${tuiOnly === 'bell' ? 'no-bell' : 'ascii'} is for the TUI (pipe-tui with no command), not ${name}`);
  }
  return { workspace: opts.workspace, json: opts.json ?? false, ascii: opts.ascii ?? false, bell: opts.bell ?? true };
}
