import { availableParallelism } from 'node:os';
import type { PipelineSpec } from '../../shared/pipeline-schema.js';
import type { Job, RunMetadata, StageError } from '../../shared/metadata-schema.js';
import { toPipeError } from '../../shared/errors.js';
import { needIndexes, topologicalOrder } from '../../shared/stage-graph.js';
import type { AdoptingExecutor, Executor } from './executor.js';
import { type History, recordHistory } from './history-writer.js';
import { watchNotifications } from './notifier.js';
import type { RunRecorder } from './run-recorder.js';
import type { ApprovalGate, Circuits } from './run-hooks.js';
import { runFanout } from './fanout-runner.js';
import { failure, passGate, runStage } from './stage-runner.js';

export interface RunOptions {
  pipeline: PipelineSpec;
  recorder: RunRecorder;
  workspace: string;
  /** Aborting it cancels the run: every running stage's process group gets SIGTERM, then SIGKILL. */
  signal?: AbortSignal;
  executor?: Executor;
  /** Time between SIGTERM and SIGKILL. */
  graceMs?: number;
  approvals?: ApprovalGate;
  circuits?: Circuits;
  /** The pipeline's past runs: each stage's usual duration for the ETA, and where finished stages are recorded. */
  history?: History;
  /** Return only once notifications are delivered or given up on (a foreground run); the daemon sends them on. */
  awaitNotifications?: boolean;
  /** Runs the stages that say `executor: slurm`; one per daemon, so one squeue watches all their jobs. */
  slurm?: AdoptingExecutor;
  /** Stages' Slurm jobs that a previous daemon started: watched again instead of submitted anew. */
  adopt?: { index: number; job: Job; attempt: number }[];
}

export { defaultSlurm } from './stage-runner.js';

// Runs the stages as their needs allow, skipping any already succeeded (a resume), and ends the run with one status.
// Knows nothing of how it is watched: all it does is emit events into the recorder.
export async function runPipeline(options: RunOptions): Promise<RunMetadata> {
  const { recorder, history } = options;
  const notifications = watchNotifications(recorder, options.pipeline.notify);
  recorder.emit({ type: 'run.started', runner_pid: process.pid });
  const stopRecording = history ? recordHistory(recorder, history) : () => undefined;
  if (history) recorder.emit({ type: 'run.estimated', stages: history.estimates(recorder.state.pipeline, recorder.state.stages.map((s) => s.id)) });
  try {
    return await runStages(options);
  } finally {
    stopRecording();
    notifications.stop();
    // Bounded by each target's timeout and tries; a foreground run stays until its notifications are out.
    if (options.awaitNotifications ?? true) await notifications.settled();
  }
}

interface Ending {
  status: 'failed' | 'cancelled';
  stage: string;
  error: StageError;
}

// The scheduler: a stage starts once every stage it needs has succeeded (or was skipped as optional), up to
// max_parallel at once. After a critical failure nothing new starts (a stage waiting for its approval gives up);
// what runs finishes, or with fail_fast is cancelled; the run ends with the first failure. A cancel stops all.
async function runStages(options: RunOptions): Promise<RunMetadata> {
  const { recorder, pipeline } = options;
  const cancel = options.signal ?? new AbortController().signal;
  // What stops the running stages: the run's cancel, or a sibling's failure under fail_fast.
  const stopAll = new AbortController();
  // What stops the stages still waiting at their approval gate: the same, or any critical failure.
  const stopGates = new AbortController();
  const onCancel = (): void => {
    stopAll.abort();
    stopGates.abort();
  };
  cancel.addEventListener('abort', onCancel, { once: true });
  if (cancel.aborted) onCancel();
  // The graph the run recorded as it was made (a resume must not run another one than its rows show).
  const needs = needIndexes(recorder.state.stages);
  const order = topologicalOrder(needs);
  const limit = pipeline.max_parallel ?? availableParallelism();
  // How each stage stands in this going: a resume counts the stages that succeeded before as done.
  const done = new Map<number, 'succeeded' | 'skipped'>();
  const todo = new Set<number>();
  for (const i of order) {
    if (recorder.state.stages[i]?.status === 'succeeded') done.set(i, 'succeeded');
    else todo.add(i);
  }
  const running = new Map<number, Promise<void>>();
  let ending: Ending | null = null;

  // Why a stage nobody cancelled was: a sibling failed (and the pipeline says fail_fast, or it was still at its gate).
  const cancelledBecause = (failed: Ending): string => `cancelled: ${failed.stage} failed${pipeline.fail_fast ? ' and the pipeline says fail_fast' : ', so it does not start'}`;

  const runOne = async (index: number): Promise<void> => {
    const stage = pipeline.stages[index];
    if (!stage) return;
    const signal = stopAll.signal;
    const run = stage.foreach ? runFanout : runStage;
    const gate = signal.aborted ? failure('ERR_CANCELLED', 'cancelled') : await passGate(options, stage, index, stopGates.signal);
    // Approved after a sibling failed: it does not start.
    const outcome = gate ?? (ending || signal.aborted ? failure('ERR_CANCELLED', 'cancelled') : await run(options, stage, index, signal));
    if (outcome.ok) {
      recorder.emit({ type: 'stage.succeeded', stage: index, outputs: outcome.outputs });
      done.set(index, 'succeeded');
      return;
    }
    const cancelled = outcome.error.code === 'ERR_CANCELLED';
    const error = cancelled && ending?.status === 'failed' && !cancel.aborted ? { ...outcome.error, message: cancelledBecause(ending) } : outcome.error;
    const type = cancelled ? 'stage.cancelled' : stage.optional ? 'stage.skipped' : 'stage.failed';
    recorder.emit({ type, stage: index, error });
    if (type === 'stage.skipped') done.set(index, 'skipped');
    else {
      // Said before the error entity is written: a sibling ending meanwhile must not start what needs it.
      ending ??= { status: cancelled ? 'cancelled' : 'failed', stage: stage.id, error };
      stopGates.abort();
      if (!cancelled && pipeline.fail_fast) stopAll.abort();
    }
    await recorder.addErrorEntity(stage.id, error);
  };

  const ready = (i: number): boolean => (needs[i] ?? []).every((n) => done.has(n));
  let broken: unknown = null;
  try {
    for (;;) {
      if (!ending && !cancel.aborted) {
        for (const i of order) {
          if (running.size >= limit) break;
          if (!todo.has(i) || !ready(i)) continue;
          todo.delete(i);
          running.set(i, runOne(i).finally(() => running.delete(i)));
        }
      }
      if (running.size === 0) break;
      await Promise.race(running.values());
    }
    // Cancelled between stages: the next stage to run is the one cancelled.
    if (!ending && cancel.aborted) {
      const next = order.find((i) => todo.has(i));
      if (next !== undefined) await runOne(next);
    }
  } catch (thrown) {
    // Only the recorder's own I/O can land here (a full disk): every stage is stopped before the run says so.
    broken = thrown;
    onCancel();
    await Promise.allSettled(running.values());
  } finally {
    cancel.removeEventListener('abort', onCancel);
  }
  const finalEnding = ending as Ending | null;
  if (broken !== null || !finalEnding) {
    try {
      if (broken !== null) throw broken;
      recorder.assertHealthy();
      recorder.emit({ type: 'run.finished', status: 'succeeded', error: null });
    } catch (thrown) {
      const error = toPipeError(thrown);
      recorder.emit({ type: 'run.finished', status: 'failed', error: { code: error.code, message: error.message, stage: null } });
    }
    await recorder.flush();
    return recorder.state;
  }
  return finish(recorder, finalEnding);
}

async function finish(recorder: RunRecorder, ending: Ending): Promise<RunMetadata> {
  recorder.emit({ type: 'run.finished', status: ending.status, error: { code: ending.error.code, message: ending.error.message, stage: ending.stage } });
  await recorder.flush();
  return recorder.state;
}
