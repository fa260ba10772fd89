import * as z from 'zod';
import { Duration } from './duration.js';
import { ANY_ERROR_CODE } from './errors.js';
import { PIPELINE_NAME, STAGE_ID, paramEnvName } from './names.js';
import { ProgressSpecSchema } from './progress-parse.js';
import { findCycle } from './stage-graph.js';
import { POOL_NAME } from './workspace-config-schema.js';

const Scalar = z.union([z.string(), z.number(), z.boolean()]);

/** The most items one fan-out may have. */
export const MAX_ITEMS = 100_000;

// `retries: 3` is short for `retries: { attempts: 3 }`.
const RetriesObject = z.strictObject({
  /** Total tries, the first included. */
  attempts: z.number().int().min(1).max(100),
  backoff: z.enum(['exponential', 'fixed']).default('exponential'),
  min: Duration.default(1000),
  max: Duration.default(30_000),
  /** Which failures are retried: exit codes and ERR_* codes. Without it, every failure but a cancel. */
  on: z
    .array(z.union([z.number().int(), z.string().regex(ANY_ERROR_CODE, 'an exit code or an ERR_* code')]))
    .optional(),
}).refine((r) => r.min <= r.max, { message: 'min must not exceed max', path: ['min'] });
const Retries = z.union([
  z.number().int().min(1).max(100).transform((attempts) => RetriesObject.parse({ attempts })),
  RetriesObject,
]);

// Where a stage runs on a Slurm cluster. Every field is optional: what is not given is the cluster's default.
const SlurmSpec = z.strictObject({
  partition: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'a partition name').optional(),
  /** Slurm's time limit for the job (Slurm counts whole minutes); past it the job ends TIMEOUT. */
  time: Duration.refine((ms) => ms > 0, 'a time limit must be longer than 0').optional(),
  cpus: z.number().int().min(1).optional(),
  /** Memory per node: `4G`, `500M`, as sbatch --mem takes it. */
  mem: z.string().regex(/^\d+[KMGT]?$/, 'a size such as 500M or 4G').optional(),
  /** More sbatch options, one argument each (`--gres=gpu:1`). */
  args: z.array(z.string().regex(/^--?[A-Za-z]/, 'an sbatch option, starting with -')).default([]),
});
export type SlurmSpec = z.infer<typeof SlurmSpec>;
export const EXECUTORS = ['local', 'slurm'] as const;
const Executor = z.enum(EXECUTORS);

// A stage silent (no output, no progress) past `stall_after` is marked stalled; `fail` also ends the attempt.
export const STALL_ACTIONS = ['mark', 'fail'] as const;
const StallAfter = Duration.refine((ms) => ms > 0, 'stall_after must be longer than 0');
const StallAction = z.enum(STALL_ACTIONS);

// Where a fan-out's items come from: written in the file, a parameter (one item a line, or comma separated), or a
// file an earlier stage wrote (a JSON array, or one item a line), read as the stage starts.
const Foreach = z.union([
  z.array(Scalar.transform(String)).min(1, 'foreach needs at least one item').max(MAX_ITEMS, `at most ${MAX_ITEMS} items`),
  z.strictObject({ param: z.string().min(1) }),
  z.strictObject({ file: z.string().min(1) }),
]);
export type Foreach = z.infer<typeof Foreach>;

export const StageSpec = z.strictObject({
  id: z.string().regex(STAGE_ID, 'letters, digits, _ and -, starting with a letter or digit'),
  description: z.string().optional(),
  /** A shell command line (run by /bin/sh -c) or an argv list (run directly, no shell). */
  run: z.union([z.string().min(1), z.array(z.string()).min(1)]),
  timeout: Duration.refine((ms) => ms > 0, 'a timeout must be longer than 0').optional(),
  retries: Retries.optional(),
  optional: z.boolean().default(false),
  outputs: z.array(z.string().min(1)).default([]),
  approval: z.boolean().default(false),
  approval_timeout: Duration.optional(),
  circuit: z.string().min(1).optional(),
  env: z.record(z.string(), Scalar).default({}),
  cwd: z.string().min(1).optional(),
  /** Where it runs: here (the default) or as a Slurm job. */
  executor: Executor.optional(),
  slurm: SlurmSpec.optional(),
  /** How progress is read from what it prints (besides `::pipe:progress`): `auto`, `none`, or `{ pattern }`. */
  progress: ProgressSpecSchema.optional(),
  /** Silence (no output, no progress) this long marks the stage stalled; the pipeline's where it gives none. */
  stall_after: StallAfter.optional(),
  /** What a stall does besides marking: `mark` only, or `fail` the attempt with ERR_STAGE_STALLED. */
  stall_action: StallAction.optional(),
  /** The stages that must succeed (or be skipped) before it starts; absent: the stage listed before it. */
  needs: z.array(z.string()).optional(),
  /** Runs the stage once per item (PIPE_ITEM, PIPE_ITEM_INDEX): a list, a parameter's lines or commas, or a file. */
  foreach: Foreach.optional(),
  /** A resource pool of the workspace (pipe-tui.yaml `pools:`): each attempt (each item's) holds one of its slots. */
  pool: z.string().regex(POOL_NAME, 'a pool name: letters, digits, _ and -').optional(),
  /** Items of its `foreach` running at once; absent: the machine's cores. */
  max_parallel: z.number().int().min(1).max(1000).optional(),
});
export type StageSpec = z.infer<typeof StageSpec>;

export const NOTIFY_EVENTS = ['failed', 'succeeded', 'cancelled', 'interrupted', 'awaiting_approval', 'stalled'] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

// Someone must hear of a failure at 3 a.m.: a command (the run's facts in its environment) or a webhook (a JSON
// POST, retried). A notification that cannot be delivered is logged in the run folder and never fails the run.
const NotifySpec = z
  .strictObject({
    on: z.array(z.enum(NOTIFY_EVENTS)).min(1).default(['failed', 'awaiting_approval']),
    command: z.union([z.string().min(1), z.array(z.string()).min(1)]).optional(),
    webhook: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }).optional(),
    /** Each try of the command or of the POST. */
    timeout: Duration.refine((ms) => ms > 0, 'a timeout must be longer than 0').default(10_000),
    /** Tries of a webhook, the first included: 5xx, 408, 429 and network errors are retried. */
    attempts: z.number().int().min(1).max(10).default(4),
  })
  .refine((n) => (n.command === undefined) !== (n.webhook === undefined), { message: 'give either command or webhook' });
export type NotifySpec = z.infer<typeof NotifySpec>;

const ParamSpec = z.union([
  Scalar.transform((value) => ({ default: value, description: undefined as string | undefined })),
  z.strictObject({ default: Scalar.optional(), description: z.string().optional() }),
]);

export const PipelineSpec = z
  .strictObject({
    name: z.string().regex(PIPELINE_NAME, 'letters, digits, ., _ and -').optional(),
    description: z.string().optional(),
    params: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, 'a parameter name'), ParamSpec).default({}),
    stages: z.array(StageSpec).min(1, 'a pipeline needs at least one stage'),
    /** The default executor of its stages, and Slurm options they start from. */
    executor: Executor.default('local'),
    slurm: SlurmSpec.optional(),
    notify: z.union([NotifySpec.transform((n) => [n]), z.array(NotifySpec)]).default([]),
    /** Its stages' `progress:` where they give none; `auto` by default. */
    progress: ProgressSpecSchema.default('auto'),
    /** Its stages' `stall_after` where they give none; off by default. */
    stall_after: StallAfter.optional(),
    stall_action: StallAction.default('mark'),
    /** A critical stage's failure cancels the stages running beside it, instead of letting them finish. */
    fail_fast: z.boolean().default(false),
    /** Stages of one run running at once; absent: the machine's cores. */
    max_parallel: z.number().int().min(1).max(1000).optional(),
  })
  .superRefine((pipeline, ctx) => {
    checkNeeds(pipeline.stages, pipeline.params, ctx);
    // Two names that reach a stage as the same variable (`a-b` and `a_b`) would silently shadow each other.
    const envNames = new Map<string, string>();
    for (const name of Object.keys(pipeline.params)) {
      const env = paramEnvName(name);
      const other = envNames.get(env);
      if (other !== undefined) ctx.addIssue({ code: 'custom', path: ['params', name], message: `reaches stages as ${env}, like "${other}"` });
      envNames.set(env, name);
    }
  });
export type PipelineSpec = z.infer<typeof PipelineSpec>;

// A need must name another stage of the file, the needs must not go round, and a fan-out over a parameter must
// name one: `validate` says where.
function checkNeeds(stages: StageSpec[], params: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const ids = new Set(stages.map((s) => s.id));
  stages.forEach((stage, i) => {
    stage.needs?.forEach((need, j) => {
      const path = ['stages', i, 'needs', j];
      if (need === stage.id) ctx.addIssue({ code: 'custom', path, message: `stage "${need}" cannot need itself` });
      else if (!ids.has(need)) ctx.addIssue({ code: 'custom', path, message: `unknown stage "${need}"` });
    });
  });
  stages.forEach((stage, i) => {
    const param = stage.foreach && 'param' in stage.foreach ? stage.foreach.param : null;
    if (param !== null && !Object.hasOwn(params, param)) ctx.addIssue({ code: 'custom', path: ['stages', i, 'foreach', 'param'], message: `unknown parameter "${param}"` });
  });
  const cycle = findCycle(stages.map((s) => ({ id: s.id, needs: s.needs?.filter((n) => n !== s.id) })));
  if (cycle) {
    const at = stages.findIndex((s) => s.id === cycle[0]);
    ctx.addIssue({ code: 'custom', path: ['stages', at, 'needs'], message: `a cycle: ${cycle.join(' → ')}` });
  }
}

/** Where a stage runs: its own `executor:`, else the pipeline's. */
export const stageExecutor = (pipeline: PipelineSpec, stage: StageSpec): (typeof EXECUTORS)[number] => stage.executor ?? pipeline.executor;

/** A stage's Slurm options: the pipeline's, overridden field by field by the stage's; sbatch arguments add up. */
export function stageSlurm(pipeline: PipelineSpec, stage: StageSpec): SlurmSpec {
  return { ...pipeline.slurm, ...stage.slurm, args: [...(pipeline.slurm?.args ?? []), ...(stage.slurm?.args ?? [])] };
}

/** When and how a stage counts as stalled: its own `stall_after`/`stall_action`, else the pipeline's; null when off. */
export function stageStall(pipeline: PipelineSpec, stage: StageSpec): { afterMs: number; action: (typeof STALL_ACTIONS)[number] } | null {
  const afterMs = stage.stall_after ?? pipeline.stall_after;
  return afterMs === undefined ? null : { afterMs, action: stage.stall_action ?? pipeline.stall_action };
}
