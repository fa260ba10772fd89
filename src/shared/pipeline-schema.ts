import { z } from 'zod';
import { Duration } from './duration.js';
import { ANY_ERROR_CODE } from './errors.js';
import { PIPELINE_NAME, STAGE_ID } from './names.js';

const Scalar = z.union([z.string(), z.number(), z.boolean()]);

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
});
const Retries = z.union([
  z.number().int().min(1).max(100).transform((attempts) => RetriesObject.parse({ attempts })),
  RetriesObject,
]);

export const StageSpec = z.strictObject({
  id: z.string().regex(STAGE_ID, 'letters, digits, _ and -, starting with a letter or digit'),
  description: z.string().optional(),
  /** A shell command line (run by /bin/sh -c) or an argv list (run directly, no shell). */
  run: z.union([z.string().min(1), z.array(z.string()).min(1)]),
  timeout: Duration.optional(),
  retries: Retries.optional(),
  optional: z.boolean().default(false),
  outputs: z.array(z.string().min(1)).default([]),
  approval: z.boolean().default(false),
  approval_timeout: Duration.optional(),
  circuit: z.string().min(1).optional(),
  env: z.record(z.string(), Scalar).default({}),
  cwd: z.string().min(1).optional(),
});
export type StageSpec = z.infer<typeof StageSpec>;

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
  })
  .superRefine((pipeline, ctx) => {
    const seen = new Set<string>();
    pipeline.stages.forEach((stage, i) => {
      if (seen.has(stage.id)) ctx.addIssue({ code: 'custom', path: ['stages', i, 'id'], message: `duplicate stage id "${stage.id}"` });
      seen.add(stage.id);
    });
  });
export type PipelineSpec = z.infer<typeof PipelineSpec>;
