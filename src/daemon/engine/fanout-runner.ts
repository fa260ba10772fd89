import { availableParallelism } from 'node:os';
import path from 'node:path';
import { toPipeError } from '../../shared/errors.js';
import { itemsToRun } from '../../shared/item-events.js';
import type { StageSpec } from '../../shared/pipeline-schema.js';
import { isNonEmpty } from '../../workspace/safe-paths.js';
import { stageItems } from './fanout-items.js';
import { LogFile } from './log-file.js';
import type { RunOptions } from './pipeline-runner.js';
import type { AttemptOutcome } from './stage-attempt.js';
import { failure, runStage } from './stage-runner.js';

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
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < todo.length && !stop.signal.aborted) {
        const item = todo[next++] as number;
        recorder.emit({ type: 'item.started', stage: index, item, attempt: 1 });
        const outcome = await runStage(options, stage, index, stop.signal, { index: item, value: values[item] as string });
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
