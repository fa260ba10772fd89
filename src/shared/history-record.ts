import * as z from 'zod';
import type { RunMetadata, StageState } from './metadata-schema.js';

// One line of the history index (`.pipe-tui/history.ndjson`): a stage of a run that has ended.
export const HistoryRecord = z.object({
  run_id: z.string(),
  pipeline: z.string(),
  stage: z.string(),
  index: z.number().int(),
  status: z.enum(['succeeded', 'failed', 'skipped', 'cancelled']),
  duration_ms: z.number().nullable(),
  attempts: z.number().int(),
  error_code: z.string().nullable(),
  ended_at: z.string(),
  /** Its last attempt's most resident memory and CPU time, where they were measured (local stages). */
  peak_rss_bytes: z.number().nullable().optional(),
  cpu_s: z.number().nullable().optional(),
  /** The most GPU memory it held, where nvidia-smi answered. */
  peak_gpu_bytes: z.number().nullable().optional(),
});
export type HistoryRecord = z.infer<typeof HistoryRecord>;

/** How many recent successful runs of a stage its usual duration is the median of. */
export const RECENT = 20;

const ENDED = new Set<StageState['status']>(['succeeded', 'failed', 'skipped', 'cancelled']);

/** The record of a stage that has ended, or null while it has not. */
export function stageRecord(run: RunMetadata, stage: StageState): HistoryRecord | null {
  if (!ENDED.has(stage.status) || !stage.ended_at) return null;
  return {
    run_id: run.run_id,
    pipeline: run.pipeline,
    stage: stage.id,
    index: stage.index,
    status: stage.status as HistoryRecord['status'],
    duration_ms: stage.duration_ms,
    attempts: stage.attempts,
    error_code: stage.error?.code ?? null,
    ended_at: stage.ended_at,
    ...(stage.resources ? { peak_rss_bytes: stage.resources.peak_rss_bytes, cpu_s: stage.resources.cpu_s } : {}),
    ...(stage.resources?.peak_gpu_bytes != null ? { peak_gpu_bytes: stage.resources.peak_gpu_bytes } : {}),
  };
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The key a record is known by: a stage of a run that ended at a moment (a resumed stage ends again). */
export const recordKey = (r: HistoryRecord): string => `${r.run_id}/${r.index}/${r.ended_at}`;
