import path from 'node:path';
import pRetry from 'p-retry';
import { type StageSpec, stageExecutor, stageSlurm, stageStall } from '../../shared/pipeline-schema.js';
import type { StageError } from '../../shared/metadata-schema.js';
import { toPipeError } from '../../shared/errors.js';
import { itemLogName } from '../../shared/names.js';
import { DEFAULT_GRACE_MS } from './executor.js';
import { SlurmExecutor } from '../slurm/slurm-executor.js';
import { localExecutor } from './local-executor.js';
import { LogFile } from './log-file.js';
import { backoffDelay, isRetryable, maxAttempts } from './retry-policy.js';
import { noApprovals } from './run-hooks.js';
import { abortableSleep } from './abortable-sleep.js';
import { type Slot, acquireSlot } from './pool-slots.js';
import { type AttemptOutcome, runAttempt } from './stage-attempt.js';
import type { RunOptions } from './pipeline-runner.js';

// One stage of a run: its approval gate, then its attempts, retried with backoff, behind its circuit.

let sharedSlurm: SlurmExecutor | null = null;
/** The process's Slurm executor, made on first use. */
export const defaultSlurm = (): SlurmExecutor => (sharedSlurm ??= new SlurmExecutor());

/** One item of a fan-out stage. */
export interface Item {
  index: number;
  value: string;
}

class AttemptFailed extends Error {
  constructor(readonly error: StageError) {
    super(error.message);
  }
}

// All attempts of one stage. p-retry counts them and decides; the backoff wait happens in onFailedAttempt so the
// stage can be shown as `retrying` with the next attempt's time, and so a cancel cuts the wait short.
export async function runStage(options: RunOptions, stage: StageSpec, index: number, signal: AbortSignal, item?: Item): Promise<AttemptOutcome> {
  const { recorder, workspace } = options;
  const attempts = maxAttempts(stage);
  const slurm = stageExecutor(options.pipeline, stage) === 'slurm';
  const executor = slurm ? (options.slurm ?? defaultSlurm()) : (options.executor ?? localExecutor);
  // Taken up after a daemon restart: p-retry counts from 1, this stage from the attempt its job belongs to.
  const adopt = item ? null : (options.adopt?.find((a) => a.index === index) ?? null);
  const first = adopt?.attempt ?? 1;
  const stageLog = recorder.state.stages[index]?.log ?? `logs/${index}.log`;
  const logFile = new LogFile(path.join(recorder.dir, item ? itemLogName(stageLog, item.index) : stageLog));
  const retryable = (error: StageError): boolean => isRetryable(stage.retries, error) && !signal.aborted;
  try {
    return await pRetry(
      async (count) => {
        const attempt = first + count - 1;
        // An item's first attempt was told as the fan-out took it (so items start in order); a retry is told here.
        if (item && attempt > 1) recorder.emit({ type: 'item.started', stage: index, item: item.index, attempt });
        const outcome = await withPoolSlot(options, stage, index, signal, item, (poolSlot) => attemptBehindCircuit(options, stage, () => runAttempt({
          stage,
          ctx: { runId: recorder.state.run_id, runDir: recorder.dir, workspace, index, attempt, params: recorder.state.params, ...(item ? { item } : {}), ...(poolSlot === null ? {} : { poolSlot }) },
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
        })));
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
          const nextAt = new Date(Date.now() + delay).toISOString();
          if (item) recorder.emit({ type: 'item.retrying', stage: index, item: item.index, error: error.error, next_attempt_at: nextAt });
          else recorder.emit({ type: 'stage.retrying', stage: index, error: error.error, next_attempt: attempt + 1, next_attempt_at: nextAt });
          await abortableSleep(delay, signal);
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

export function failure(code: string, message: string): Extract<AttemptOutcome, { ok: false }> {
  return { ok: false, error: { code, message, exit_code: null, signal: null, stack: null, at: new Date().toISOString() } };
}

// An approval gate holds the run before its stage; null lets the stage run. Approved once, it stays approved.
export async function passGate(options: RunOptions, stage: StageSpec, index: number, signal: AbortSignal): Promise<AttemptOutcome | null> {
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

/** Attempts of each run's stage waiting for a slot now. */
const waiters = new Map<string, number>();

function stopWaiting(key: string, said: () => void): void {
  const count = (waiters.get(key) ?? 1) - 1;
  if (count > 0) return void waiters.set(key, count);
  waiters.delete(key);
  said();
}

// An attempt of a stage (or item) with `pool:` holds one of the pool's slots while it runs, however many runs want
// one; the wait is told, and so is its end (an item's row would otherwise go on saying it waits).
async function withPoolSlot(
  options: RunOptions,
  stage: StageSpec,
  index: number,
  signal: AbortSignal,
  item: Item | undefined,
  run: (slot: number | null) => Promise<AttemptOutcome>,
): Promise<AttemptOutcome> {
  const pool = stage.pool;
  if (!pool) return run(null);
  const { recorder } = options;
  // A fan-out's items wait side by side: the stage waits from the first of them to the last.
  const key = `${recorder.state.run_id}/${index}`;
  let waited = false;
  let slot: Slot | null;
  try {
    const holder = { runId: recorder.state.run_id, stage: stage.id, ...(item ? { item: item.index } : {}) };
    slot = await acquireSlot(options.workspace, pool, holder, signal, (size) => {
      waited = true;
      const count = (waiters.get(key) ?? 0) + 1;
      waiters.set(key, count);
      if (count === 1) recorder.emit({ type: 'stage.waiting', stage: index, pool, size });
    });
  } catch (thrown) {
    const error = toPipeError(thrown, 'ERR_CONFIG_INVALID');
    if (waited) stopWaiting(key, () => recorder.emit({ type: 'stage.waiting', stage: index, pool: null, size: 0 }));
    return failure(error.code, error.message);
  }
  if (waited) stopWaiting(key, () => recorder.emit({ type: 'stage.waiting', stage: index, pool: null, size: 0 }));
  if (!slot) return failure('ERR_CANCELLED', 'cancelled');
  try {
    return await run(slot.slot);
  } finally {
    await slot.release();
  }
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
