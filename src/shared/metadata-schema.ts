import * as z from 'zod';

export const RUN_STATUSES = ['queued', 'running', 'awaiting_approval', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const;
export const RunStatus = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatus>;

export const STAGE_STATUSES = ['pending', 'running', 'retrying', 'awaiting_approval', 'succeeded', 'failed', 'skipped', 'cancelled'] as const;
export const StageStatus = z.enum(STAGE_STATUSES);
export type StageStatus = z.infer<typeof StageStatus>;

const Iso = z.string();
const Json = z.record(z.string(), z.unknown());

export const StageError = z.object({
  code: z.string(),
  message: z.string(),
  exit_code: z.number().int().nullable().default(null),
  signal: z.string().nullable().default(null),
  stack: z.string().nullable().default(null),
  at: Iso,
});
export type StageError = z.infer<typeof StageError>;

/** A stage's whole process group as /proc measures it, about once a second while it runs. */
export const Resources = z.object({
  /** Percent of one core over the last second (200: two cores busy). */
  cpu_pct: z.number().min(0),
  rss_bytes: z.number().min(0),
  /** The most resident memory the attempt's group held at once, and the CPU time it used, as far as measured. */
  peak_rss_bytes: z.number().min(0),
  cpu_s: z.number().min(0),
  /** GPU memory its processes hold now and held at most, where `nvidia-smi` answers; null elsewhere. */
  gpu_bytes: z.number().min(0).nullable().default(null),
  peak_gpu_bytes: z.number().min(0).nullable().default(null),
});
export type Resources = z.infer<typeof Resources>;

export const Progress = z.object({
  current: z.number(),
  /** null: the program does not know (a tqdm bar over an iterator without a length). */
  total: z.number().nullable(),
  message: z.string().nullable().default(null),
  /** When the stage reported it: the rate, and so the ETA, is measured up to here. */
  at: Iso.nullable().default(null),
  /** The program's own rate (in current's units a second) and time left, where it prints them (tqdm, pip, ffmpeg). */
  rate_per_s: z.number().nullable().default(null),
  remaining_ms: z.number().nullable().default(null),
  /** 'ms': current and total are media time in milliseconds (ffmpeg's `time=`), shown as `0:05/0:06`. */
  unit: z.string().max(16).nullable().default(null),
});
export type Progress = z.infer<typeof Progress>;

// What a resume needs to skip a succeeded stage: what it produced and what it said about itself.
export const Checkpoint = z.object({
  outputs: z.array(z.string()),
  data: Json.nullable(),
  cost_usd: z.number(),
  at: Iso,
});
export type Checkpoint = z.infer<typeof Checkpoint>;

/** A stage's batch job on a cluster: what Slurm says of it, and where its output lands. */
export const Job = z.object({
  executor: z.literal('slurm'),
  id: z.string(),
  /** Slurm's state: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, NODE_FAIL, OUT_OF_MEMORY… */
  state: z.string(),
  /** Why a PENDING job waits (Resources, Priority…), or why it ended; null when Slurm gives none. */
  reason: z.string().nullable(),
  /** The job's output file, relative to the run folder. */
  output: z.string(),
});
export type Job = z.infer<typeof Job>;

/**
 * A fan-out stage's items, kept small whatever their number: items start in index order, so every item below
 * `next` that is neither running nor failed has succeeded. The full per-item record is in the run folder's
 * `items/` file.
 */
export const Items = z.object({
  total: z.number().int().min(0),
  /** Items below this index have been started (at least once). */
  next: z.number().int().min(0),
  succeeded: z.number().int().min(0),
  /** How many had succeeded when this going of the stage began (a resume): the item rate, so the ETA, counts from it. */
  base: z.number().int().min(0).default(0),
  /** Running (or waiting to retry) now: at most the stage's max_parallel. */
  running: z.array(z.object({ index: z.number().int(), attempt: z.number().int(), started_at: Iso, next_attempt_at: Iso.nullable().default(null) })),
  /** Failed (or cancelled, or interrupted): what a resume runs again. */
  failed: z.array(z.object({ index: z.number().int(), attempts: z.number().int(), code: z.string(), message: z.string() })),
});
export type Items = z.infer<typeof Items>;

export const StageState = z.object({
  id: z.string(),
  index: z.number().int(),
  optional: z.boolean(),
  status: StageStatus,
  attempts: z.number().int(),
  max_attempts: z.number().int().default(1),
  /** While retrying: when the next attempt starts. */
  next_attempt_at: Iso.nullable().default(null),
  started_at: Iso.nullable(),
  /** Start of the current attempt: the progress rate (and so the ETA) is measured from here. */
  attempt_started_at: Iso.nullable().default(null),
  ended_at: Iso.nullable(),
  duration_ms: z.number().nullable(),
  progress: Progress.nullable(),
  eta_ms: z.number().nullable(),
  /** The stage's usual duration from this pipeline's history as the run started (median of recent runs), or null. */
  expected_ms: z.number().nullable().default(null),
  /** How many past runs of the stage that figure comes from. */
  expected_samples: z.number().int().default(0),
  cost_usd: z.number(),
  /** `::pipe:` lines the stage printed that could not be read (each warned about in its log), over all attempts. */
  malformed_lines: z.number().int().default(0),
  error: StageError.nullable(),
  log: z.string(),
  outputs: z.array(z.string()).default([]),
  /** Checkpoint data reported so far by the running attempt (`::pipe:checkpoint`). */
  checkpoint_data: Json.nullable().default(null),
  checkpoint: Checkpoint.nullable().default(null),
  /** Process group of the running attempt, so a restarted daemon can kill what a dead one left. */
  pgid: z.number().int().nullable().default(null),
  /** Approval gate: when the wait times out, and who let the stage go on, when. */
  approval_timeout_at: Iso.nullable().default(null),
  approved_by: z.string().nullable().default(null),
  approved_at: Iso.nullable().default(null),
  /** Why the stage was last set back to pending (a reset, outputs gone before a resume). */
  reset_reason: z.string().nullable().default(null),
  /** The current attempt's cluster job, for a stage run by Slurm; null for a local one. */
  job: Job.nullable().default(null),
  /** While the running stage is stalled (silent past its `stall_after`): when it last printed or progressed; else null. */
  silent_since: Iso.nullable().default(null),
  /** What the current (or last) attempt's process group uses and used at most; null before it is first measured. */
  resources: Resources.nullable().default(null),
  /** The stages it waits for, by id (schema 2); null in schema 1 files: the stage before it. */
  needs: z.array(z.string()).nullable().default(null),
  /** While it (or one of its items) waits for a slot of its pool: which, and how many slots it has (all busy). */
  waiting_for: z.object({ pool: z.string(), size: z.number().int() }).nullable().default(null),
  /** A fan-out stage's items (`foreach`): counts, the running and the failed ones; null for a plain stage. */
  items: Items.nullable().default(null),
});
export type StageState = z.infer<typeof StageState>;

export const Entity = z.object({
  sequence: z.number().int().min(1),
  type: z.string(),
  filename: z.string(),
  stage: z.string().nullable(),
  timestamp: Iso,
  size: z.number().int().nullable().default(null),
  metadata: Json.default({}),
});
export type Entity = z.infer<typeof Entity>;

export const RunError = z.object({ code: z.string(), message: z.string(), stage: z.string().nullable() });
export type RunError = z.infer<typeof RunError>;

/** Schema 2 adds what a graph needs (each stage's `needs`); a schema 1 file reads as a line of stages. */
export const SCHEMA_VERSION = 2;

export const RunMetadata = z.object({
  schema_version: z.union([z.literal(1), z.literal(2)]),
  run_id: z.string(),
  pipeline: z.string(),
  /** The pipeline file, relative to the workspace where it lies inside it, so a resume reads it again. */
  pipeline_file: z.string().nullable().default(null),
  params: z.record(z.string(), z.string()),
  status: RunStatus,
  /** The process running the run while it runs: the daemon, or a foreground CLI. */
  runner_pid: z.number().int().nullable().default(null),
  created_at: Iso,
  started_at: Iso.nullable(),
  ended_at: Iso.nullable(),
  current_state: z.object({ stage: z.number().int(), step: z.string(), progress: z.string() }),
  stages: z.array(StageState),
  expected_outputs: z.array(z.string()),
  completed_outputs: z.array(z.string()),
  entities: z.array(Entity),
  error: RunError.nullable(),
  total_cost_usd: z.number(),
  eta_ms: z.number().nullable(),
  /** When `eta_ms` was estimated: the time of the event that last changed the run. */
  eta_at: Iso.nullable().default(null),
  seq: z.number().int(),
});
export type RunMetadata = z.infer<typeof RunMetadata>;

// What a listing needs of a run: checked without walking its stages, which is most of the cost with thousands.
export const RunSummary = RunMetadata.pick({
  schema_version: true,
  run_id: true,
  pipeline: true,
  status: true,
  created_at: true,
  started_at: true,
  ended_at: true,
  current_state: true,
  error: true,
  total_cost_usd: true,
  eta_ms: true,
  seq: true,
});
export type RunSummary = z.infer<typeof RunSummary>;

export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled', 'interrupted'];
export const isTerminal = (status: RunStatus): boolean => TERMINAL_RUN_STATUSES.includes(status);
