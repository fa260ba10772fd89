import path from 'node:path';
import pRetry from 'p-retry';
import type { PipelineSpec, StageSpec } from '../shared/pipeline-schema.js';
import type { RunMetadata, StageError } from '../shared/metadata-schema.js';
import { toPipeError } from '../shared/errors.js';
import { DEFAULT_GRACE_MS, type Executor } from './executor.js';
import { localExecutor } from './local-executor.js';
import { LogFile } from './log-file.js';
import { backoffDelay, isRetryable, maxAttempts } from './retry-policy.js';
import type { RunRecorder } from './run-recorder.js';
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
}

class AttemptFailed extends Error {
  constructor(readonly error: StageError) {
    super(error.message);
  }
}

// Runs the stages in order, skipping any already succeeded (a resume), and ends the run with one status.
// Knows nothing of how it is watched: all it does is emit events into the recorder.
export async function runPipeline(options: RunOptions): Promise<RunMetadata> {
  const { recorder, pipeline } = options;
  const signal = options.signal ?? new AbortController().signal;
  recorder.emit({ type: 'run.started' });
  try {
    for (const [index, stage] of pipeline.stages.entries()) {
      if (recorder.state.stages[index]?.status === 'succeeded') continue;
      const outcome = signal.aborted ? cancelledOutcome() : await runStage(options, stage, index, signal);
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
  const logFile = new LogFile(path.join(recorder.dir, recorder.state.stages[index]?.log ?? `logs/${index}.log`));
  const retryable = (error: StageError): boolean => isRetryable(stage.retries, error) && !signal.aborted;
  try {
    return await pRetry(
      async (attempt) => {
        const outcome = await runAttempt({
          stage,
          ctx: { runId: recorder.state.run_id, runDir: recorder.dir, workspace, index, attempt, params: recorder.state.params },
          maxAttempts: attempts,
          recorder,
          executor: options.executor ?? localExecutor,
          logFile,
          signal,
          graceMs: options.graceMs ?? DEFAULT_GRACE_MS,
        });
        if (!outcome.ok) throw new AttemptFailed(outcome.error);
        return outcome;
      },
      {
        retries: attempts - 1,
        minTimeout: 0,
        maxTimeout: 0,
        onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
          if (!(error instanceof AttemptFailed) || retriesLeft <= 0 || !retryable(error.error) || !stage.retries) return;
          const delay = backoffDelay(stage.retries, attemptNumber);
          recorder.emit({
            type: 'stage.retrying',
            stage: index,
            error: error.error,
            next_attempt: attemptNumber + 1,
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

function cancelledOutcome(): AttemptOutcome {
  return { ok: false, error: { code: 'ERR_CANCELLED', message: 'cancelled', exit_code: null, signal: null, stack: null, at: new Date().toISOString() } };
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
