import { availableParallelism } from 'node:os';
import path from 'node:path';
import { toPipeError } from '../../shared/errors.js';
import { itemsToRun } from '../../shared/item-events.js';
import { type StageSpec, stageExecutor, stageSlurm } from '../../shared/pipeline-schema.js';
import { SLURM_DIR } from '../../workspace/layout.js';
import { JobArrays } from '../slurm/job-array.js';
import { SlurmExecutor } from '../slurm/slurm-executor.js';
import { stageEnv } from './stage-env.js';
import { isNonEmpty } from '../../workspace/safe-paths.js';
import { stageItems } from './fanout-items.js';
import { LogFile } from './log-file.js';
import type { RunOptions } from './pipeline-runner.js';
import type { AttemptOutcome } from './stage-attempt.js';
import { defaultSlurm, failure, runStage } from './stage-runner.js';

// A fan-out stage (`foreach`): its items run as its own processes, at most `max_parallel` at once, each with its
// attempts, retries, log and error. Items start in index order, so the run's state stays a few counts and the
// running and failed items however many there are. A resume runs the items that have not succeeded.
export async function runFanout(options: RunOptions, stage: StageSpec, index: number, signal: AbortSignal): Promise<AttemptOutcome> {
  const { recorder, workspace } = options;
  const resumed = recorder.state.stages[index]?.items != null;
  recorder.emit({ type: 'stage.started', stage: index, attempt: 1, pgid: null });
  const log = new LogFile(path.join(recorder.dir, recorder.state.stages[index]?.log ?? `logs/${index}.log`));
  try {
    let values: string[];
    try {
      values = await stageItems(stage, { workspace, runDir: recorder.dir, index, params: recorder.state.params }, resumed);
    } catch (thrown) {
      const error = toPipeError(thrown, 'ERR_ITEMS_INVALID');
      log.write(`===== pipe-tui: ${error.code}: ${error.message} =====\n`);
      return failure(error.code, error.message);
    }
    recorder.emit({ type: 'stage.items', stage: index, total: values.length });
    const items = recorder.state.stages[index]?.items;
    const todo = items ? itemsToRun(items) : [];
    log.write(`===== pipe-tui: stage ${stage.id}: ${values.length} items, ${todo.length} to run, at most ${stage.max_parallel ?? availableParallelism()} at once, ${new Date().toISOString()} =====\n`);

    // A cancel stops them all; so does an item's failure under fail_fast.
    const stop = new AbortController();
    const onAbort = (): void => stop.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) stop.abort();
    // On Slurm, the items are tasks of job arrays rather than a job each; a retry is a job of its own.
    const arrays = stageExecutor(options.pipeline, stage) === 'slurm' ? jobArrays(options, stage, index, todo, values) : null;
    const itemOptions = arrays ? { ...options, slurm: arrays } : options;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < todo.length && !stop.signal.aborted) {
        const item = todo[next++] as number;
        recorder.emit({ type: 'item.started', stage: index, item, attempt: 1 });
        const outcome = await runStage(itemOptions, stage, index, stop.signal, { index: item, value: values[item] as string });
        if (outcome.ok) {
          recorder.emit({ type: 'item.succeeded', stage: index, item });
          continue;
        }
        recorder.emit({ type: 'item.failed', stage: index, item, error: outcome.error });
        log.write(`item ${item} (${values[item]}): ${outcome.error.code}: ${outcome.error.message}\n`);
        if (options.pipeline.fail_fast && outcome.error.code !== 'ERR_CANCELLED') stop.abort();
      }
    };
    const workers = Math.min(stage.max_parallel ?? availableParallelism(), todo.length);
    await Promise.all(Array.from({ length: workers }, worker));
    signal.removeEventListener('abort', onAbort);
    // Stopped early (a cancel, fail_fast): the tasks no item was taken for must not run after it.
    if (stop.signal.aborted) await arrays?.cancelRest();

    if (signal.aborted) return failure('ERR_CANCELLED', 'cancelled');
    const after = recorder.state.stages[index]?.items;
    const failed = after?.failed ?? [];
    if (failed.length > 0) {
      // Items cancelled by a sibling's failure (fail_fast) are not what went wrong: the first real failure is named.
      const real = failed.filter((f) => f.code !== 'ERR_CANCELLED');
      const first = (real.length > 0 ? real : failed).reduce((a, b) => (b.index < a.index ? b : a));
      const cancelled = failed.length - real.length;
      const counted = real.length > 0 && cancelled > 0 ? `${real.length} of ${values.length} items failed, ${cancelled} cancelled` : `${failed.length} of ${values.length} items failed`;
      const message = `${counted}; item ${first.index} (${values[first.index]}): ${first.code}: ${first.message}`;
      log.write(`===== pipe-tui: ERR_ITEMS_FAILED: ${message} =====\n`);
      return failure('ERR_ITEMS_FAILED', message);
    }
    const cwd = path.resolve(workspace, stage.cwd ?? '.');
    const missing: string[] = [];
    for (const output of stage.outputs) if (!(await isNonEmpty(path.resolve(cwd, output)))) missing.push(output);
    if (missing.length > 0) return failure('ERR_OUTPUT_MISSING', `declared output${missing.length > 1 ? 's' : ''} missing or empty: ${missing.join(', ')}`);
    log.write(`===== pipe-tui: all ${values.length} items succeeded =====\n`);
    return { ok: true, outputs: stage.outputs.map((o) => path.relative(workspace, path.resolve(cwd, o)) || '.') };
  } finally {
    log.close();
  }
}

// The job arrays of a Slurm fan-out: the items to run, in order, each finding its value in a file of its own.
function jobArrays(options: RunOptions, stage: StageSpec, index: number, todo: number[], values: string[]): JobArrays {
  const { recorder, workspace } = options;
  const ctx = { runId: recorder.state.run_id, runDir: recorder.dir, workspace, index, attempt: 1, params: recorder.state.params };
  return new JobArrays(options.slurm instanceof SlurmExecutor ? options.slurm : defaultSlurm(), {
    dir: path.join(recorder.dir, SLURM_DIR),
    // Each going of the stage (a resume) submits arrays of its own.
    stem: `${String(index).padStart(2, '0')}_${stage.id}.array-${recorder.state.seq}-`,
    items: todo.map((item) => ({ index: item, value: values[item] as string })),
    command: stage.run,
    cwd: path.resolve(workspace, stage.cwd ?? '.'),
    env: stageEnv(stage, ctx),
    spec: stageSlurm(options.pipeline, stage),
    limit: stage.max_parallel ?? availableParallelism(),
  });
}
