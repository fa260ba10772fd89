import { type HistoryRecord, RECENT, median } from './history-record.js';

// "How did it go": per stage of a pipeline, from the history index. Pure, so the numbers can be checked by hand.

export interface StageStats {
  stage: string;
  /** Ended runs of the stage, cancels aside (a cancel says nothing of the stage). */
  runs: number;
  succeeded: number;
  /** Failed, or skipped after failing (an optional stage). */
  failed: number;
  /** Of runs: `failed / runs`. A stage that failed twice and then succeeded, every time, is 0 here. */
  failure_rate: number;
  /** Attempts over those runs (retries included), and how many of them failed: what `failure_rate` hides. */
  attempts: number;
  attempts_failed: number;
  attempt_failure_rate: number;
  /** Over successful runs only: a failure's duration is when it broke, not how long the work takes. */
  median_ms: number | null;
  p90_ms: number | null;
  /** The most common error codes, most frequent first. */
  errors: { code: string; count: number }[];
  last_error: { code: string; run_id: string; at: string } | null;
  /** The last RECENT successful durations, oldest first: a sparkline's data. */
  recent_ms: number[];
  /** Peak resident memory of its successful runs, where measured. */
  median_peak_rss_bytes: number | null;
  p90_peak_rss_bytes: number | null;
  /** The last RECENT measured peaks of successful runs, oldest first: the timeline's memory sparkline. */
  recent_peak_rss_bytes: number[];
}

export interface PipelineStats {
  pipeline: string;
  runs: number;
  stages: StageStats[];
}

/** Nearest rank: the smallest value with at least 90 % of the values at or below it. */
export function p90(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(0.9 * sorted.length) - 1] as number;
}

export function stageStats(stage: string, records: HistoryRecord[]): StageStats {
  const counted = records.filter((r) => r.status !== 'cancelled');
  const failures = counted.filter((r) => r.status === 'failed' || (r.status === 'skipped' && r.error_code !== null));
  const durations = counted.filter((r) => r.status === 'succeeded' && r.duration_ms !== null).map((r) => r.duration_ms as number);
  const peaks = counted.flatMap((r) => (r.status === 'succeeded' && typeof r.peak_rss_bytes === 'number' ? [r.peak_rss_bytes] : []));
  const codes = new Map<string, number>();
  for (const r of failures) if (r.error_code) codes.set(r.error_code, (codes.get(r.error_code) ?? 0) + 1);
  const last = failures.at(-1);
  const mid = median(durations);
  // A record keeps only how many attempts its stage took: in a success every attempt but the last failed, in a
  // failure every one did. (A stage that ended without running, skipped, took none.)
  const failing = new Set(failures);
  let attempts = 0;
  let attemptsFailed = 0;
  for (const r of counted) {
    const ran = r.status === 'succeeded' || failing.has(r) ? Math.max(r.attempts, 1) : r.attempts;
    attempts += ran;
    attemptsFailed += r.status === 'succeeded' ? ran - 1 : failing.has(r) ? ran : 0;
  }
  return {
    stage,
    runs: counted.length,
    succeeded: counted.filter((r) => r.status === 'succeeded').length,
    failed: failures.length,
    failure_rate: counted.length ? failures.length / counted.length : 0,
    attempts,
    attempts_failed: attemptsFailed,
    attempt_failure_rate: attempts ? attemptsFailed / attempts : 0,
    median_ms: mid === null ? null : Math.round(mid),
    p90_ms: p90(durations),
    errors: [...codes].map(([code, count]) => ({ code, count })).sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)).slice(0, 3),
    last_error: last?.error_code ? { code: last.error_code, run_id: last.run_id, at: last.ended_at } : null,
    recent_ms: durations.slice(-RECENT),
    median_peak_rss_bytes: peaks.length ? Math.round(median(peaks) as number) : null,
    p90_peak_rss_bytes: p90(peaks),
    recent_peak_rss_bytes: peaks.slice(-RECENT),
  };
}

/** Stats of a pipeline, its stages in pipeline order; `stages` gives that order (as the history last saw it). */
export function pipelineStats(pipeline: string, stages: string[], recordsOf: (stage: string) => HistoryRecord[]): PipelineStats {
  const all = stages.map((s) => stageStats(s, recordsOf(s)));
  const runs = new Set(stages.flatMap((s) => recordsOf(s).map((r) => r.run_id)));
  return { pipeline, runs: runs.size, stages: all };
}
