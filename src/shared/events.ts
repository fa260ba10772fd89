import * as z from 'zod';
import { Entity, Job, RunStatus, StageError, RunError } from './metadata-schema.js';

// Every state change of a run is one of these, numbered by `seq` (1, 2, 3… per run, no gaps).
// Names are past-tense and dotted; `stage` is the stage's index in the pipeline.
const Base = { seq: z.number().int().min(1), run_id: z.string(), at: z.string() };
const StageRef = { stage: z.number().int().min(0) };
const ItemRef = { item: z.number().int().min(0) };

export const RunEvent = z.discriminatedUnion('type', [
  z.object({
    ...Base,
    type: z.literal('run.created'),
    pipeline: z.string(),
    pipeline_file: z.string().nullable().optional(),
    params: z.record(z.string(), z.string()),
    stages: z.array(
      z.object({
        id: z.string(),
        optional: z.boolean(),
        max_attempts: z.number().int(),
        outputs: z.array(z.string()),
        /** The stages it waits for, by id; absent (runs made before graphs): the stage before it. */
        needs: z.array(z.string()).optional(),
      }),
    ),
  }),
  /** `runner_pid`: the process running it (the daemon, or a foreground CLI), so a later daemon can tell a live run from an orphan. */
  z.object({ ...Base, type: z.literal('run.started'), runner_pid: z.number().int().optional() }),
  z.object({ ...Base, ...StageRef, type: z.literal('stage.started'), attempt: z.number().int().min(1), pgid: z.number().int().nullable() }),
  z.object({
    ...Base,
    ...StageRef,
    type: z.literal('stage.progress'),
    current: z.number(),
    /** null: unknown (read from a program's own bar that has none). */
    total: z.number().nullable(),
    message: z.string().nullable(),
    /** Read from a program's output (not `::pipe:progress`): its own rate and time left, where it prints them. */
    rate_per_s: z.number().nullable().optional(),
    remaining_ms: z.number().nullable().optional(),
    /** 'ms': the count is media time in milliseconds (ffmpeg). Any other unit a later version adds is shown as a count. */
    unit: z.string().max(16).nullable().optional(),
  }),
  z.object({ ...Base, ...StageRef, type: z.literal('stage.cost'), usd: z.number() }),
  z.object({ ...Base, ...StageRef, type: z.literal('stage.checkpoint'), data: z.record(z.string(), z.unknown()) }),
  z.object({ ...Base, type: z.literal('entity.added'), entity: Entity }),
  z.object({
    ...Base,
    ...StageRef,
    type: z.literal('stage.retrying'),
    error: StageError,
    next_attempt: z.number().int(),
    next_attempt_at: z.string(),
  }),
  z.object({ ...Base, ...StageRef, type: z.literal('stage.succeeded'), outputs: z.array(z.string()) }),
  z.object({ ...Base, ...StageRef, type: z.literal('stage.failed'), error: StageError }),
  z.object({ ...Base, ...StageRef, type: z.literal('stage.skipped'), error: StageError.nullable() }),
  z.object({ ...Base, ...StageRef, type: z.literal('stage.cancelled'), error: StageError }),
  z.object({ ...Base, type: z.literal('run.finished'), status: RunStatus, error: RunError.nullable() }),
  /** Back in the queue: a resume, or a restarted daemon taking over a run that never started. */
  z.object({ ...Base, type: z.literal('run.queued'), reason: z.string() }),
  /** The daemon died under the run; found by the next daemon. Active stages fail with ERR_INTERRUPTED. */
  z.object({ ...Base, type: z.literal('run.interrupted'), error: StageError }),
  z.object({ ...Base, ...StageRef, type: z.literal('stage.reset'), reason: z.string() }),
  z.object({ ...Base, ...StageRef, type: z.literal('stage.awaiting_approval'), timeout_at: z.string().nullable() }),
  z.object({ ...Base, ...StageRef, type: z.literal('stage.approved'), by: z.string() }),
  /** A stage's cluster job: submitted (its id known), and each change of its state or reason. */
  z.object({ ...Base, ...StageRef, type: z.literal('stage.job'), job: Job }),
  /** `::pipe:` lines the stage printed that could not be read (warned about in its log), since the last such event. */
  z.object({ ...Base, ...StageRef, type: z.literal('stage.warned'), malformed: z.number().int().min(1) }),
  /**
   * The running stage printed nothing and reported no progress for `silent_ms` (past its `stall_after`); and, once,
   * that it spoke again after `silent_ms` of silence. The daemon emits each once per silence, never per chunk.
   */
  /** What the running stage's process group uses now, and has used at most this attempt (sampled from /proc). */
  z.object({
    ...Base,
    ...StageRef,
    type: z.literal('stage.resources'),
    cpu_pct: z.number().min(0),
    rss_bytes: z.number().min(0),
    peak_rss_bytes: z.number().min(0),
    cpu_s: z.number().min(0),
    /** Where `nvidia-smi` answers: GPU memory its processes hold now, and held at most this attempt. */
    gpu_bytes: z.number().min(0).nullable().optional(),
    peak_gpu_bytes: z.number().min(0).nullable().optional(),
  }),
  /** The stage (or one of its items) waits for a free slot of its pool, all `size` of them busy; pool null: no longer. */
  z.object({ ...Base, ...StageRef, type: z.literal('stage.waiting'), pool: z.string().nullable(), size: z.number().int().min(0) }),
  /** A fan-out stage's items are known (its `foreach` was read): how many. Told again, the same, on a resume. */
  z.object({ ...Base, ...StageRef, type: z.literal('stage.items'), total: z.number().int().min(0) }),
  /** One item of a fan-out: an attempt started, will be retried, succeeded, or failed for good (cancelled too). */
  z.object({ ...Base, ...StageRef, ...ItemRef, type: z.literal('item.started'), attempt: z.number().int().min(1) }),
  z.object({ ...Base, ...StageRef, ...ItemRef, type: z.literal('item.retrying'), error: StageError, next_attempt_at: z.string() }),
  z.object({ ...Base, ...StageRef, ...ItemRef, type: z.literal('item.succeeded') }),
  z.object({ ...Base, ...StageRef, ...ItemRef, type: z.literal('item.failed'), error: StageError }),
  z.object({ ...Base, ...StageRef, type: z.literal('stage.stalled'), silent_ms: z.number().min(0) }),
  z.object({ ...Base, ...StageRef, type: z.literal('stage.unstalled'), silent_ms: z.number().min(0) }),
  /** Each stage's usual duration from the pipeline's history, as the run starts; null where there is none. */
  z.object({
    ...Base,
    type: z.literal('run.estimated'),
    stages: z.array(z.object({ expected_ms: z.number().nullable(), samples: z.number().int().min(0) })),
  }),
]);
export type RunEvent = z.infer<typeof RunEvent>;
export type RunEventType = RunEvent['type'];

// An event before the store numbers it: what the runner emits.
type Unnumbered<T> = T extends unknown ? Omit<T, 'seq' | 'run_id' | 'at'> : never;
export type RunEventBody = Unnumbered<RunEvent>;

// Status changes must reach metadata.json at once; the rest may be coalesced. An item's events are progress of its
// stage (events.ndjson has each at once; a fan-out of 10 000 items must not write metadata.json 20 000 times).
const COALESCED = new Set<RunEventType>(['stage.progress', 'stage.cost', 'stage.checkpoint', 'stage.resources', 'item.started', 'item.retrying', 'item.succeeded', 'item.failed']);

export function isStatusChange(event: Pick<RunEvent, 'type'>): boolean {
  return !COALESCED.has(event.type);
}
