// Must stay the first import: it runs before Ink loads.
import { hiddenCiEnv } from './interactive-env.js';
import { Command, CommanderError, Option } from 'commander';
import { reportError, usageError } from './cli-output.js';
import { COMMANDS, type CommandSpec } from './command-table.js';
import { type GlobalOptions, globalOptions, onceOnly } from './global-options.js';
import { resolveWorkspace } from './workspace.js';

const VERSION = '0.1.0';

function program(): Command {
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
  // No command: the TUI.
  root.argument('[command]').action(async (unknown: string | undefined) => {
    if (unknown !== undefined) throw usageError(`unknown command ${JSON.stringify(unknown)} (commands: ${COMMANDS.map((c) => c.usage.split(' ')[0]).join(', ')})`);
    const opts = globalOptions(root, null);
    const { runTui } = await import('../tui/tui-main.js');
    exit(await runTui({ workspace: resolveWorkspace(opts), ascii: opts.ascii, bell: opts.bell, hiddenEnv: hiddenCiEnv }));
  });
  for (const spec of COMMANDS) addCommand(root, spec);
  return root;
}

function addCommand(root: Command, spec: CommandSpec): void {
  const command = root.command(spec.usage).description(spec.description);
  for (const option of spec.options ?? []) {
    if (option.required) command.requiredOption(option.flags, option.description);
    else if (option.repeat) command.option(option.flags, option.description, (v: string, all: string[]) => [...all, v], []);
    else command.option(option.flags, option.description);
  }
  command.action(async (...params: unknown[]) => {
    const self = params.at(-1) as Command;
    const args = params.slice(0, -2) as (string | undefined)[];
    const globals: GlobalOptions = globalOptions(root, spec);
    exit(await spec.run(args, { ...self.opts(), workspace: globals.workspace, json: globals.json }));
  });
}

let exitCode = 0;
const exit = (code: number): void => {
  exitCode = code;
};

async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      return reportError(usageError(error.message.replace(/^error: /, '')));
    }
    return reportError(error);
  }
}

// A terminal that went away (EIO, a closed SSH session) or a closed pipe (EPIPE, `| head`) ends the output, not
// the command: a foreground run still cancels and records itself cleanly.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => stream.destroy());

// Leave through process.exitCode rather than process.exit so stdout is drained when piped.
main(process.argv).then((code) => {
  process.exitCode = code;
});
