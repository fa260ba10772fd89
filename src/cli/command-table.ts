import { userInfo } from 'node:os';
import type { Command as DaemonCommand } from '../shared/protocol.js';

// Every command of the CLI, in one table: main.ts builds the parser from it and interactive-env.ts tells a command
// from the TUI by it. Each command's file loads only when it runs, so a start pays for the command at hand alone.

export interface OptionSpec {
  /** As commander reads them: `-p, --param <key=value>`. */
  flags: string;
  description: string;
  /** Folds a repeated option's values (`-p a=1 -p b=2`). */
  repeat?: true;
  required?: true;
}

export interface CommandSpec {
  /** The name and its arguments, as commander reads them: `run <pipeline>`. */
  usage: string;
  description: string;
  /** Prints state, so it takes the global --json. */
  json: boolean;
  options?: OptionSpec[];
  /** Runs the command with its arguments and options (globals merged in); resolves to the exit code. */
  run: (args: (string | undefined)[], options: Record<string, unknown>) => Promise<number>;
}

type Opts = Record<string, unknown>;
const arg = (args: (string | undefined)[], i: number): string => args[i] as string;

// cancel, resume, approve and reset: one request each to the daemon.
const control = (body: (args: (string | undefined)[], options: Opts) => DaemonCommand, done: (options: Opts) => string): CommandSpec['run'] =>
  async (args, options) => (await import('./commands/control.js')).controlCommand(body(args, options), options, done(options));

export const COMMANDS: CommandSpec[] = [
  {
    usage: 'run <pipeline>',
    description: 'run a pipeline (a name in pipelines/ or a file)',
    json: true,
    options: [
      { flags: '-p, --param <key=value>', description: 'set a parameter (repeatable)', repeat: true },
      { flags: '--foreground', description: 'run in this process, without the daemon' },
      { flags: '--follow', description: 'stream the run until it ends; exit 0 succeeded, 1 failed, 130 cancelled' },
    ],
    run: async (args, options) => (await import('./commands/run.js')).runCommand(arg(args, 0), { param: [], ...options }),
  },
  {
    usage: 'validate <file>',
    description: 'check a pipeline file',
    json: true,
    run: async (args, options) => (await import('./commands/validate.js')).validateCommand(arg(args, 0), options),
  },
  { usage: 'ls', description: 'list runs, newest first', json: true, run: async (_args, options) => (await import('./commands/ls.js')).lsCommand(options) },
  {
    usage: 'status <run>',
    description: 'show one run',
    json: true,
    run: async (args, options) => (await import('./commands/status.js')).statusCommand(arg(args, 0), options),
  },
  {
    usage: 'logs <run> [stage]',
    description: "print a stage's log (default: the current or last stage)",
    json: false,
    options: [{ flags: '-f, --follow', description: 'keep printing as the log grows' }],
    run: async (args, options) => (await import('./commands/logs.js')).logsCommand(arg(args, 0), args[1], options),
  },
  {
    usage: 'entity <run> <ref>',
    description: "print an entity's content: by sequence number, or the newest of a type",
    json: true,
    run: async (args, options) => (await import('./commands/entity.js')).entityCommand(arg(args, 0), arg(args, 1), options),
  },
  {
    usage: 'stats [pipeline]',
    description: 'per stage: runs, median and p90 duration, failure rate, usual errors',
    json: true,
    options: [{ flags: '--rebuild', description: 'rebuild the history index from the run folders first' }],
    run: async (args, options) => (await import('./commands/stats.js')).statsCommand(args[0], options),
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
    usage: 'daemon <action>',
    description: 'start, stop or status of the workspace daemon',
    json: true,
    options: [
      { flags: '--listen <host:port>', description: 'also listen on TCP (clients need .pipe-tui/token)' },
      { flags: '--concurrency <n>', description: 'runs at once (default: the number of cores)' },
      { flags: '--circuit-threshold <n>', description: 'consecutive failures that open a circuit (default 5)' },
      { flags: '--circuit-cooldown <duration>', description: 'how long an open circuit stays open (default 60s)' },
    ],
    run: async (args, options) => (await import('./commands/daemon.js')).daemonCommand(arg(args, 0), options),
  },
];

/** Every command's name, and commander's own `help`. */
export const COMMAND_NAMES: ReadonlySet<string> = new Set([...COMMANDS.map((c) => c.usage.split(' ')[0] as string), 'help']);
