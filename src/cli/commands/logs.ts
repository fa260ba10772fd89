import { PipeError } from '../../shared/errors.js';
import { type RunMetadata, type StageState, isTerminal } from '../../shared/metadata-schema.js';
import { readRun, requireRun } from '../../workspace/run-reader.js';
import { stageLogPath } from '../../workspace/layout.js';
import { itemEnded, itemIndex, itemLogPath } from '../item-log.js';
import { LogPrinter } from '../log-printer.js';
import { countOption, grepLog } from '../log-grep.js';
import { type CommonOptions, resolveWorkspace } from '../workspace.js';

const POLL_MS = 200;

export interface LogsOptions extends CommonOptions {
  follow?: boolean;
  /** A fan-out stage's item, by index: its log instead of the stage's. */
  item?: string;
  /** Only the lines matching this (plain text, smart case; a regular expression with --regex). */
  grep?: string;
  regex?: boolean;
  context?: string;
  tail?: string;
}

// A stage's log (default: the current or last stage), each line as a terminal shows it: coloured on a colour
// terminal, plain into a pipe or under NO_COLOR. With -f and no stage named, it follows the run from stage to stage
// until the run ends; on a terminal the line a stage is still writing (a progress bar) is redrawn in place.
// With --item, one item of a fan-out stage; -f follows that item until it ends, never moving on.
export async function logsCommand(runId: string, stageRef: string | undefined, options: LogsOptions): Promise<number> {
  const item = options.item === undefined ? null : itemIndex(options.item);
  const workspace = resolveWorkspace(options);
  let run = await requireRun(workspace, runId);
  let index = stageRef === undefined ? run.current_state.stage : stageIndex(run, stageRef);
  const itemFile = item === null ? null : itemLogPath(workspace, runId, requireStage(run, index), item);
  const terminal = process.stdout.isTTY === true && process.env.TERM !== 'dumb';
  if (options.grep !== undefined) {
    if (options.follow) throw new PipeError('ERR_USAGE', '--grep searches the log as it is now: leave out -f');
    const grep = { regex: options.regex === true, context: countOption(options.context, '-C') ?? 0, tail: countOption(options.tail, '--tail'), color: terminal && !process.env.NO_COLOR };
    const stage = requireStage(run, index);
    return grepLog(itemFile ?? stageLogPath(workspace, runId, stage), options.grep, grep, (text) => process.stdout.write(text));
  }
  if (options.regex || options.context !== undefined || options.tail !== undefined) throw new PipeError('ERR_USAGE', '--regex, -C and --tail go with --grep');
  const printer = new LogPrinter({ color: terminal && !process.env.NO_COLOR, live: terminal && options.follow === true });
  for (;;) {
    const stage = run.stages[index];
    if (!stage) return 0;
    const file = itemFile ?? stageLogPath(workspace, runId, stage);
    const movedOn = item === null && stageRef === undefined && run.current_state.stage > index;
    const done = !options.follow || movedOn || isTerminal(run.status) || (item !== null && itemEnded(stage, item));
    await printer.print(file, done);
    if (!options.follow) return 0;
    if (movedOn) {
      index++;
      printer.next();
      continue;
    }
    if (done) return 0;
    await new Promise((r) => setTimeout(r, POLL_MS));
    const read = await readRun(workspace, runId);
    if (read.ok) run = read.run;
  }
}

function stageIndex(run: RunMetadata, ref: string): number {
  const index = /^\d+$/.test(ref) ? Number(ref) : run.stages.findIndex((s) => s.id === ref);
  if (index < 0 || index >= run.stages.length) {
    throw new PipeError('ERR_STAGE_NOT_FOUND', `run ${run.run_id} has no stage ${JSON.stringify(ref)} (stages: ${run.stages.map((s) => s.id).join(', ')})`);
  }
  return index;
}

// A run with no stage at all has no current one to take an item of.
function requireStage(run: RunMetadata, index: number): StageState {
  const stage = run.stages[index];
  if (!stage) throw new PipeError('ERR_STAGE_NOT_FOUND', `run ${run.run_id} has no stages`);
  return stage;
}
