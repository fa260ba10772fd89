import { Command, Option } from 'commander';
import { COMMANDS, type CommandSpec, commandName } from './command-table.js';
import { type GlobalOptions, globalOptions, onceOnly } from './global-options.js';
import { hiddenCiEnv } from './interactive-env.js';
import { unknownCommand } from './suggest.js';
import { resolveWorkspace } from './workspace.js';

export const VERSION = '0.1.0';

// The parser, built from the command table. Apart from main.ts so that `help COMMAND` can build it too and print
// exactly the help commander would.
export function program(exit: (code: number) => void): Command {
  const root = new Command('pipe-tui')
    .description('Run and watch multi-stage pipelines from a terminal')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeErr: () => undefined })
    .configureHelp({ showGlobalOptions: true })
    .usage('[options] [command]')
    .showSuggestionAfterError(true);
  // Global options, before or after the command alike (as git -C or docker -H): the root parses them anywhere.
  root
    .addOption(new Option('--workspace <dir>', 'workspace folder (default: $PIPE_TUI_WORKSPACE or the current directory)').argParser(onceOnly('--workspace')))
    .option('--json', 'print JSON alone on stdout (commands that print state)')
    .option('--ascii', 'TUI: draw with ASCII only (no box or block characters)')
    .option('--no-bell', 'TUI: do not ring the terminal bell when a run fails or waits for approval');
  // No command: the TUI. (A word that names no command is refused before parsing, in main.ts; this is the net.)
  root.argument('[command]').action(async (unknown: string | undefined) => {
    if (unknown !== undefined) throw unknownCommand(unknown);
    const opts = globalOptions(root, null);
    const { runTui } = await import('../tui/tui-main.js');
    exit(await runTui({ workspace: resolveWorkspace(opts), ascii: opts.ascii, bell: opts.bell, hiddenEnv: hiddenCiEnv }));
  });
  for (const spec of COMMANDS) addCommand(root, spec, exit);
  return root;
}

function addCommand(root: Command, spec: CommandSpec, exit: (code: number) => void): void {
  const command = root.command(spec.usage, { hidden: spec.hidden ?? false }).description(spec.description);
  if (spec.helpText) command.addHelpText('after', spec.helpText);
  for (const option of spec.options ?? []) {
    if (option.required) command.requiredOption(option.flags, option.description);
    else if (option.repeat) command.option(option.flags, option.description, (v: string, all: string[]) => [...all, v], []);
    else command.option(option.flags, option.description);
  }
  command.action(async (...params: unknown[]) => {
    const self = params.at(-1) as Command;
    const args = params.slice(0, -2) as (string | string[] | undefined)[];
    const globals: GlobalOptions = globalOptions(root, spec);
    exit(await spec.run(args, { ...self.opts(), workspace: globals.workspace, json: globals.json }));
  });
}

/** The commander command of a name, for `help NAME`; hidden ones too (their help is still true). */
export const findCommand = (root: Command, name: string): Command | undefined =>
  COMMANDS.some((spec) => commandName(spec) === name) ? root.commands.find((c) => c.name() === name) : undefined;
