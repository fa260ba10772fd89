import path from 'node:path';
import pRetry from 'p-retry';
import { type PipelineSpec, type StageSpec, stageExecutor, stageSlurm, stageStall } from '../../shared/pipeline-schema.js';
import type { Job, RunMetadata, StageError } from '../../shared/metadata-schema.js';
import { toPipeError } from '../../shared/errors.js';
import { type AdoptingExecutor, DEFAULT_GRACE_MS, type Executor } from './executor.js';
import { SlurmExecutor } from '../slurm/slurm-executor.js';
import { localExecutor } from './local-executor.js';
import { type History, recordHistory } from './history-writer.js';
import { LogFile } from './log-file.js';
import { watchNotifications } from './notifier.js';
import { backoffDelay, isRetryable, maxAttempts } from './retry-policy.js';
import type { RunRecorder } from './run-recorder.js';
import { type ApprovalGate, type Circuits, noApprovals } from './run-hooks.js';
import { type AttemptOutcome, runAttempt } from './stage-attempt.js';

export interface RunOptions {
  pipeline: PipelineSpec;
  recorder: RunRecorder;
  workspace: string;
  /** Aborting it cancels the run: the running stage's process group gets SIGTERM, then SIGKILL. */
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
  /** A stage's Slurm job that a previous daemon started: watched again instead of submitted anew. */
  adopt?: { index: number; job: Job; attempt: number };
}

let sharedSlurm: SlurmExecutor | null = null;
/** The process's Slurm executor, made on first use. */
export const defaultSlurm = (): SlurmExecutor => (sharedSlurm ??= new SlurmExecutor());

class AttemptFailed extends Error {
  constructor(readonly error: StageError) {
    super(error.message);
  }
}

// Runs the stages in order, skipping any already succeeded (a resume), and ends the run with one status.
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

async function runStages(options: RunOptions): Promise<RunMetadata> {
  const { recorder, pipeline } = options;
  const signal = options.signal ?? new AbortController().signal;
  try {
    for (const [index, stage] of pipeline.stages.entries()) {
      if (recorder.state.stages[index]?.status === 'succeeded') continue;
      const outcome = signal.aborted
        ? failure('ERR_CANCELLED', 'cancelled')
        : ((await passGate(options, stage, index, signal)) ?? (await runStage(options, stage, index, signal)));
      if (outcome.ok) {
        recorder.emit({ type: 'stage.succeeded', stage: index, outputs: outcome.outputs });
        continue;
      }
      const cancelled = outcome.error.code === 'ERR_CANCELLED';
      const type = cancelled ? 'stage.cancelled' : stage.optional ? 'stage.skipped' : 'stage.failed';
      recorder.emit({ type, stage: index, error: outcome.error });
      await recorder.addErrorEntity(stage.id, outcome.error);
      if (cancelled) return finish(recorder, 'cancelled', stage.id, outcome.error);
      if (!stage.optional) return finish(recorder, 'failed', stage.id, outcome.error);
    }
    recorder.assertHealthy();
    recorder.emit({ type: 'run.finished', status: 'succeeded', error: null });
  } catch (thrown) {
    // Only the recorder's own I/O can land here (a full disk); say so with a code rather than die.
    const error = toPipeError(thrown);
    recorder.emit({ type: 'run.finished', status: 'failed', error: { code: error.code, message: error.message, stage: null } });
  }
  await recorder.flush();
  return recorder.state;
}

async function finish(recorder: RunRecorder, status: 'failed' | 'cancelled', stage: string, error: StageError): Promise<RunMetadata> {
  recorder.emit({ type: 'run.finished', status, error: { code: error.code, message: error.message, stage } });
  await recorder.flush();
  return recorder.state;
}

// All attempts of one stage. p-retry counts them and decides; the backoff wait happens in onFailedAttempt so the
// stage can be shown as `retrying` with the next attempt's time, and so a cancel cuts the wait short.
async function runStage(options: RunOptions, stage: StageSpec, index: number, signal: AbortSignal): Promise<AttemptOutcome> {
  const { recorder, workspace } = options;
  const attempts = maxAttempts(stage);
  const slurm = stageExecutor(options.pipeline, stage) === 'slurm';
  const executor = slurm ? (options.slurm ?? defaultSlurm()) : (options.executor ?? localExecutor);
  // Taken up after a daemon restart: p-retry counts from 1, this stage from the attempt its job belongs to.
  const adopt = options.adopt?.index === index ? options.adopt : null;
  const first = adopt?.attempt ?? 1;
  const logFile = new LogFile(path.join(recorder.dir, recorder.state.stages[index]?.log ?? `logs/${index}.log`));
  const retryable = (error: StageError): boolean => isRetryable(stage.retries, error) && !signal.aborted;
  try {
    return await pRetry(
      async (count) => {
        const attempt = first + count - 1;
        const outcome = await attemptBehindCircuit(options, stage, () => runAttempt({
          stage,
          ctx: { runId: recorder.state.run_id, runDir: recorder.dir, workspace, index, attempt, params: recorder.state.params },
          maxAttempts: attempts,
          recorder,
          executor,
          logFile,
          signal,
          graceMs: options.graceMs ?? DEFAULT_GRACE_MS,
          progress: stage.progress ?? options.pipeline.progress,
          slurm: slurm ? stageSlurm(options.pipeline, stage) : undefined,
          adopt: count === 1 && adopt ? adopt.job : undefined,
          stall: stageStall(options.pipeline, stage),
        }));
        if (!outcome.ok) throw new AttemptFailed(outcome.error);
        return outcome;
      },
      {
        retries: Math.max(0, attempts - first),
        minTimeout: 0,
        maxTimeout: 0,
        onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
          if (!(error instanceof AttemptFailed) || retriesLeft <= 0 || !retryable(error.error) || !stage.retries) return;
          // An open circuit is worth retrying only once it closes.
          const until = error.error.code === 'ERR_CIRCUIT_OPEN' && stage.circuit ? (options.circuits?.openUntil(stage.circuit) ?? 0) : 0;
          const attempt = first + attemptNumber - 1;
          const delay = Math.max(backoffDelay(stage.retries, attempt), until - Date.now());
          recorder.emit({
            type: 'stage.retrying',
            stage: index,
            error: error.error,
            next_attempt: attempt + 1,
            next_attempt_at: new Date(Date.now() + delay).toISOString(),
          });
          await sleep(delay, signal);
        },
        shouldRetry: ({ error }) => error instanceof AttemptFailed && retryable(error.error),
      },
    );
  } catch (thrown) {
    if (thrown instanceof AttemptFailed) return { ok: false, error: signal.aborted ? { ...thrown.error, code: 'ERR_CANCELLED', message: 'cancelled' } : thrown.error };
    const error = toPipeError(thrown);
    return { ok: false, error: { code: error.code, message: error.message, exit_code: null, signal: null, stack: error.stack ?? null, at: new Date().toISOString() } };
  } finally {
    logFile.close();
  }
}

function failure(code: string, message: string): Extract<AttemptOutcome, { ok: false }> {
  return { ok: false, error: { code, message, exit_code: null, signal: null, stack: null, at: new Date().toISOString() } };
}

// An approval gate holds the run before its stage; null lets the stage run. Approved once, it stays approved.
async function passGate(options: RunOptions, stage: StageSpec, index: number, signal: AbortSignal): Promise<AttemptOutcome | null> {
  const { recorder } = options;
  if (!stage.approval || recorder.state.stages[index]?.approved_at) return null;
  const timeoutAt = stage.approval_timeout === undefined ? null : new Date(Date.now() + stage.approval_timeout).toISOString();
  recorder.emit({ type: 'stage.awaiting_approval', stage: index, timeout_at: timeoutAt });
  const answer = await (options.approvals ?? noApprovals).wait(recorder.state.run_id, index, stage.approval_timeout, signal);
  if (answer.approved) {
    recorder.emit({ type: 'stage.approved', stage: index, by: answer.by });
    return null;
  }
  if (answer.reason === 'cancelled') return failure('ERR_CANCELLED', 'cancelled');
  if (answer.reason === 'timeout') return failure('ERR_APPROVAL_TIMEOUT', `nobody approved ${stage.id} within its approval_timeout`);
  return failure('ERR_APPROVAL_REQUIRED', `${stage.id} waits for an approval, which needs the daemon: run without --foreground, then pipe-tui approve <run>`);
}

// A stage behind an open circuit fails fast, without starting a process; its outcome feeds the circuit.
async function attemptBehindCircuit(options: RunOptions, stage: StageSpec, run: () => Promise<AttemptOutcome>): Promise<AttemptOutcome> {
  const key = stage.circuit;
  const circuits = options.circuits;
  if (!key || !circuits) return run();
  const until = circuits.openUntil(key);
  if (until !== null) return failure('ERR_CIRCUIT_OPEN', `circuit "${key}" is open until ${new Date(until).toISOString()} after repeated failures`);
  const outcome = await run();
  if (outcome.ok || outcome.error.code !== 'ERR_CANCELLED') circuits.record(key, outcome.ok);
  return outcome;
}

// Resolves after `ms`, or at once when the run is cancelled.
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
