// Must stay the first import: it runs before Ink loads.
import './interactive-env.js';
import { Command, CommanderError, Option } from 'commander';
import { userInfo } from 'node:os';
import { reportError, usageError } from './cli-output.js';
import { resolveWorkspace } from './workspace.js';

const VERSION = '0.1.0';

// Every command takes --workspace; every command that prints state takes --json (SPEC section 5).
function common(command: Command, json = true): Command {
  command.addOption(new Option('--workspace <dir>', 'workspace folder (default: $PIPE_TUI_WORKSPACE or the current directory)'));
  if (json) command.option('--json', 'print JSON alone on stdout');
  return command;
}

function program(): Command {
  const root = new Command('pipe-tui')
    .description('Run and watch multi-stage pipelines from a terminal')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeErr: () => undefined })
    .showSuggestionAfterError(true)
    // Options before a command belong to the TUI; after it, to the command (each has its own --workspace).
    .enablePositionalOptions();
  // No command: the TUI.
  root
    .addOption(new Option('--workspace <dir>', 'workspace folder (default: $PIPE_TUI_WORKSPACE or the current directory)'))
    .option('--ascii', 'draw with ASCII only (no box or block characters)')
    .option('--no-bell', 'do not ring the terminal bell when a run fails or waits for approval')
    .action(async (opts: { workspace?: string; ascii?: boolean; bell?: boolean }) => {
      const { runTui } = await import('../tui/tui-main.js');
      exit(await runTui({ workspace: resolveWorkspace(opts), ascii: opts.ascii ?? false, bell: opts.bell ?? true }));
    });

  common(root.command('run <pipeline>').description('run a pipeline (a name in pipelines/ or a file)'))
    .option('-p, --param <key=value>', 'set a parameter (repeatable)', (v: string, all: string[]) => [...all, v], [])
    .option('--foreground', 'run in this process, without the daemon')
    .option('--follow', 'stream the run until it ends; exit 0 succeeded, 1 failed, 130 cancelled')
    .action(async (pipeline: string, opts) => exit(await (await import('./commands/run.js')).runCommand(pipeline, opts)));
  common(root.command('validate <file>').description('check a pipeline file'))
    .action(async (file: string, opts) => exit(await (await import('./commands/validate.js')).validateCommand(file, opts)));
  common(root.command('ls').description('list runs, newest first'))
    .action(async (opts) => exit(await (await import('./commands/ls.js')).lsCommand(opts)));
  common(root.command('status <run>').description('show one run'))
    .action(async (run: string, opts) => exit(await (await import('./commands/status.js')).statusCommand(run, opts)));
  common(root.command('logs <run> [stage]').description("print a stage's log (default: the current or last stage)"), false)
    .option('-f, --follow', 'keep printing as the log grows')
    .action(async (run: string, stage: string | undefined, opts) => exit(await (await import('./commands/logs.js')).logsCommand(run, stage, opts)));
  common(root.command('entity <run> <ref>').description("print an entity's content: by sequence number, or the newest of a type"))
    .action(async (run: string, ref: string, opts) => exit(await (await import('./commands/entity.js')).entityCommand(run, ref, opts)));
  common(root.command('stats [pipeline]').description('per stage: runs, median and p90 duration, failure rate, usual errors'))
    .option('--rebuild', 'rebuild the history index from the run folders first')
    .action(async (pipeline: string | undefined, opts) => exit(await (await import('./commands/stats.js')).statsCommand(pipeline, opts)));
  common(root.command('cancel <run>').description('stop a run; its processes are gone within 5 s'))
    .action(async (run: string, opts) => exit(await control({ command: 'cancel', run_id: run }, opts, 'cancelled')));
  common(root.command('resume <run>').description('run a failed, cancelled or interrupted run again from its first stage not succeeded'))
    .action(async (run: string, opts) => exit(await control({ command: 'resume', run_id: run }, opts, 'resumed')));
  common(root.command('approve <run>').description("let a run waiting at an approval gate go on"))
    .action(async (run: string, opts) => exit(await control({ command: 'approve', run_id: run, by: process.env.PIPE_TUI_USER ?? userInfo().username }, opts, 'approved')));
  common(root.command('reset <run>').description('forget a stage and every later one, for a resume'))
    .requiredOption('--to <stage>', 'the first stage to forget')
    .action(async (run: string, opts) => exit(await control({ command: 'reset', run_id: run, to: opts.to }, opts, `reset to ${opts.to}`)));
  common(root.command('daemon <action>').description('start, stop or status of the workspace daemon'))
    .option('--listen <host:port>', 'also listen on TCP (clients need .pipe-tui/token)')
    .option('--concurrency <n>', 'runs at once (default: the number of cores)')
    .option('--circuit-threshold <n>', 'consecutive failures that open a circuit (default 5)')
    .option('--circuit-cooldown <duration>', 'how long an open circuit stays open (default 60s)')
    .action(async (action: string, opts) => exit(await (await import('./commands/daemon.js')).daemonCommand(action, opts)));
  return root;
}

// Each command is loaded when it runs, so a start pays only for the command at hand (and `pipe-tui` for the TUI).
const control = async (...args: Parameters<typeof import('./commands/control.js').controlCommand>): Promise<number> =>
  (await import('./commands/control.js')).controlCommand(...args);

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
