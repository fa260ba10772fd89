import { userInfo } from 'node:os';
import type { Command as DaemonCommand } from '../shared/protocol.js';
import { withRunRefs } from './run-refs.js';

// Every command of the CLI, in one table: program.ts builds the parser from it, interactive-env.ts tells a command
// from the TUI by it, and shell completion lists it. Each command's file loads only when it runs, so a start pays
// for the command at hand alone.

export interface OptionSpec {
  /** As commander reads them: `-p, --param <key=value>`. */
  flags: string;
  description: string;
  /** Folds a repeated option's values (`-p a=1 -p b=2`). */
  repeat?: true;
  required?: true;
}

/** A command's arguments as commander hands them: a variadic one (`<runs...>`) is a list. */
export type Args = (string | string[] | undefined)[];

export interface CommandSpec {
  /** The name and its arguments, as commander reads them: `run <pipeline>`. A `<run>` or `<runs...>` is resolved (below). */
  usage: string;
  description: string;
  /** Prints state, so it takes the global --json. */
  json: boolean;
  options?: OptionSpec[];
  /** Left out of help and completion: `__complete`, which completion scripts call. */
  hidden?: true;
  /** Printed after the command's options in its help. */
  helpText?: string;
  /** Runs the command with its arguments and options (globals merged in); resolves to the exit code. */
  run: (args: Args, options: Record<string, unknown>) => Promise<number>;
}

type Opts = Record<string, unknown>;
const arg = (args: Args, i: number): string => args[i] as string;
const optionalArg = (args: Args, i: number): string | undefined => args[i] as string | undefined;
const params = { flags: '-p, --param <key=value>', description: 'set a parameter (repeatable)', repeat: true } as const;

// cancel, resume, approve and reset: one request each to the daemon.
const control = (body: (args: Args, options: Opts) => DaemonCommand, done: (options: Opts) => string): CommandSpec['run'] =>
  async (args, options) => (await import('./commands/control.js')).controlCommand(body(args, options), options, done(options));

const TABLE: CommandSpec[] = [
  {
    usage: 'run <pipeline>',
    description: 'run a pipeline (a name in pipelines/ or a file)',
    json: true,
    options: [
      params,
      { flags: '--foreground', description: 'run in this process, without the daemon' },
      { flags: '--follow', description: 'stream the run until it ends; exit 0 succeeded, 1 failed, 130 cancelled' },
      { flags: '-q, --quiet', description: "with --follow or --foreground: show none of the stages' output" },
    ],
    run: async (args, options) => (await import('./commands/run.js')).runCommand(arg(args, 0), { param: [], ...options }),
  },
  {
    usage: 'init',
    description: 'write a first pipeline (pipelines/hello.yaml) into a workspace that has none',
    json: true,
    run: async (_args, options) => (await import('./commands/init.js')).initCommand(options),
  },
  {
    usage: 'validate <file>',
    description: 'check a pipeline file',
    json: true,
    run: async (args, options) => (await import('./commands/validate.js')).validateCommand(arg(args, 0), options),
  },
  {
    usage: 'ls',
    description: 'list runs, newest first',
    json: true,
    options: [
      { flags: '--status <status>', description: 'only runs with this status (queued, running, awaiting_approval, succeeded, failed, cancelled, interrupted, corrupt…)' },
      { flags: '--pipeline <name>', description: 'only runs of this pipeline' },
      { flags: '--since <when>', description: 'only runs created since then: a duration back from now (2h, 7d) or a date (2026-11-30)' },
      { flags: '--limit <n>', description: 'at most n runs, the newest (default: what fits the terminal; all when piped or with --json)' },
    ],
    run: async (_args, options) => (await import('./commands/ls.js')).lsCommand(options),
  },
  {
    usage: 'pipelines',
    description: "the workspace's pipelines: description, stages, last run",
    json: true,
    run: async (_args, options) => (await import('./commands/pipelines.js')).pipelinesCommand(options),
  },
  {
    usage: 'status <run>',
    description: 'show one run (any RUN: its id, a unique start or end of it, or latest / @)',
    json: true,
    run: async (args, options) => (await import('./commands/status.js')).statusCommand(arg(args, 0), options),
  },
  {
    usage: 'logs <run> [stage]',
    description: "print a stage's log (default: the current or last stage)",
    json: false,
    options: [
      { flags: '-f, --follow', description: 'keep printing as the log grows' },
      { flags: '--item <n>', description: "a fan-out stage's item n (its index, as status shows it): that item's log" },
      { flags: '--grep <pattern>', description: 'only the lines that match, as shown (plain text, smart case); exit 1 when none does' },
      { flags: '--regex', description: 'with --grep: the pattern is a regular expression' },
      { flags: '-C, --context <n>', description: 'with --grep: n lines around each match' },
      { flags: '--tail <n>', description: 'with --grep: only the last n matches' },
    ],
    run: async (args, options) => (await import('./commands/logs.js')).logsCommand(arg(args, 0), optionalArg(args, 1), options),
  },
  {
    usage: 'entity <run> <ref>',
    description: "print an entity's content: by sequence number, or the newest of a type",
    json: true,
    run: async (args, options) => (await import('./commands/entity.js')).entityCommand(arg(args, 0), arg(args, 1), options),
  },
  {
    usage: 'stats [pipeline]',
    description: 'per stage: runs, median and p90 duration, failed runs and failed attempts, usual errors',
    json: true,
    options: [{ flags: '--rebuild', description: 'rebuild the history index from the run folders first' }],
    run: async (args, options) => (await import('./commands/stats.js')).statsCommand(optionalArg(args, 0), options),
  },
  {
    usage: 'cancel <run>',
    description: 'stop a run; its processes are gone within 5 s',
    json: true,
    run: control((args) => ({ command: 'cancel', run_id: arg(args, 0) }), () => 'cancelled'),
  },
  {
    usage: 'resume <run>',
    description: 'run a failed, cancelled or interrupted run again from its first stage not succeeded',
    json: true,
    run: control((args) => ({ command: 'resume', run_id: arg(args, 0) }), () => 'resumed'),
  },
  {
    usage: 'approve <run>',
    description: 'let a run waiting at an approval gate go on',
    json: true,
    run: control((args) => ({ command: 'approve', run_id: arg(args, 0), by: process.env.PIPE_TUI_USER ?? userInfo().username }), () => 'approved'),
  },
  {
    usage: 'reset <run>',
    description: 'forget a stage and every later one, for a resume',
    json: true,
    options: [{ flags: '--to <stage>', description: 'the first stage to forget', required: true }],
    run: control((args, o) => ({ command: 'reset', run_id: arg(args, 0), to: String(o.to) }), (o) => `reset to ${String(o.to)}`),
  },
  {
    usage: 'rerun <run>',
    description: 'start a new run of the same pipeline with the same parameters (-p changes some); prints its id',
    json: true,
    options: [params, { flags: '--follow', description: 'stream the new run until it ends; exit 0 succeeded, 1 failed, 130 cancelled' }],
    run: async (args, options) => (await import('./commands/rerun.js')).rerunCommand(arg(args, 0), { param: [], ...options }),
  },
  {
    usage: 'rm <runs...>',
    description: 'delete ended runs (their folders); a live run is refused',
    json: true,
    run: async (args, options) => (await import('./commands/rm.js')).rmCommand(args[0] as string[], options),
  },
  {
    usage: 'prune',
    description: 'delete old ended runs: lists what would go unless --yes',
    json: true,
    options: [
      { flags: '--older-than <age>', description: 'runs that ended longer ago than this (30d, 12h, 90m)' },
      { flags: '--keep <n>', description: 'never the newest n of each pipeline' },
      { flags: '--status <status>', description: 'only runs with this status (failed, cancelled, interrupted, succeeded, corrupt)' },
      { flags: '--pipeline <name>', description: 'only runs of this pipeline' },
      { flags: '--yes', description: 'delete them (without it, only list them)' },
    ],
    run: async (_args, options) => (await import('./commands/prune.js')).pruneCommand(options),
  },
  {
    usage: 'daemon <action>',
    description: 'start, stop or status of the workspace daemon; status exits 3 when none runs',
    json: true,
    options: [
      { flags: '--listen <host:port>', description: 'start: also listen on TCP (clients need .pipe-tui/token)' },
      { flags: '--concurrency <n>', description: 'start: runs at once (default: the number of cores)' },
      { flags: '--circuit-threshold <n>', description: 'start: consecutive failures that open a circuit (default 5)' },
      { flags: '--circuit-cooldown <duration>', description: 'start: how long an open circuit stays open (default 60s)' },
      { flags: '--force', description: 'stop: interrupt the runs it is running (else stop refuses while there are any)' },
      { flags: '--wait', description: 'stop: wait until no run is running or queued, then stop' },
    ],
    helpText: [
      '',
      'Actions: start, stop, status (run: the daemon itself, in the foreground).',
      'Exit codes: status exits 0 when a daemon runs and 3 when none does (as systemctl is-active);',
      'stop refuses (exit 1, the runs listed) while runs are running, unless --force or --wait.',
    ].join('\n'),
    run: async (args, options) => (await import('./commands/daemon.js')).daemonCommand(arg(args, 0), options),
  },
  {
    usage: 'help [command]',
    description: "a command's help (every command without one)",
    json: false,
    run: async (args) => (await import('./commands/help.js')).helpCommand(optionalArg(args, 0)),
  },
  {
    usage: 'completion <shell>',
    description: 'print shell completion for bash, zsh or fish (see pipe-tui help completion)',
    json: false,
    helpText: [
      '',
      'Completes commands, options, run ids (their short suffixes, or latest) and pipeline names.',
      '  bash:  source <(pipe-tui completion bash)       for good: pipe-tui completion bash > ~/.local/share/bash-completion/completions/pipe-tui',
      '  zsh:   source <(pipe-tui completion zsh)        in ~/.zshrc, after compinit',
      '  fish:  pipe-tui completion fish | source        for good: pipe-tui completion fish > ~/.config/fish/completions/pipe-tui.fish',
    ].join('\n'),
    run: async (args) => (await import('./commands/completion.js')).completionCommand(arg(args, 0)),
  },
  {
    usage: '__complete <what> [words...]',
    description: 'for completion scripts: run ids, pipeline names, or what completes the words after --',
    json: false,
    hidden: true,
    run: async (args, options) => (await import('./commands/complete.js')).completeCommand(arg(args, 0), (args[1] as string[] | undefined) ?? [], options),
  },
];

// Every `<run>` is resolved in one place, before its command sees it (run-refs.ts).
export const COMMANDS: CommandSpec[] = TABLE.map(withRunRefs);

/** Every command's name, hidden ones included. */
export const COMMAND_NAMES: ReadonlySet<string> = new Set(COMMANDS.map((c) => c.usage.split(' ')[0] as string));

/** The name of a command spec: `status` of `status <run>`. */
export const commandName = (spec: CommandSpec): string => spec.usage.split(' ')[0] as string;
