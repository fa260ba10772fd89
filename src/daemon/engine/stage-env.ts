import type { StageSpec } from '../../shared/pipeline-schema.js';
import { paramEnvName } from '../../shared/names.js';

export interface StageContext {
  runId: string;
  runDir: string;
  workspace: string;
  index: number;
  attempt: number;
  params: Record<string, string>;
  /** One item of a fan-out stage (`foreach`): its place in the list and its value. */
  item?: { index: number; value: string };
  /** The slot of its `pool:` that this attempt holds, 0 to the pool's size less one. */
  poolSlot?: number;
}

// What a stage finds in its environment (SPEC section 4). Parameters arrive here, verbatim, and nowhere else.
export function stageEnv(stage: StageSpec, ctx: StageContext): Record<string, string> {
  const env: Record<string, string> = {};
  // Inherited PIPE_* (pipe-tui started from inside a stage) would leak another run's parameters into this one.
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith('PIPE_')) env[key] = value;
  // Python block-buffers stdout into a pipe, so a Python stage's progress would arrive only at its exit. Unbuffered
  // unless the user's environment or the stage says otherwise (docs/stage-protocol.md: flushing in other languages).
  if (env.PYTHONUNBUFFERED === undefined) env.PYTHONUNBUFFERED = '1';
  for (const [key, value] of Object.entries(stage.env)) env[key] = String(value);
  for (const [name, value] of Object.entries(ctx.params)) env[paramEnvName(name)] = value;
  return {
    ...env,
    PIPE_RUN_ID: ctx.runId,
    PIPE_RUN_DIR: ctx.runDir,
    PIPE_STAGE: stage.id,
    PIPE_STAGE_INDEX: String(ctx.index),
    PIPE_ATTEMPT: String(ctx.attempt),
    PIPE_WORKSPACE: ctx.workspace,
    ...(ctx.item ? { PIPE_ITEM: ctx.item.value, PIPE_ITEM_INDEX: String(ctx.item.index) } : {}),
    ...(ctx.poolSlot === undefined ? {} : { PIPE_POOL_SLOT: String(ctx.poolSlot) }),
  };
}
