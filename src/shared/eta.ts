import { formatDuration } from './duration.js';
import type { RunMetadata, StageState } from './metadata-schema.js';
import { criticalPathMs, needIndexes } from './stage-graph.js';

// How long is left, from two sources: history (a robust statistic of the stage's recent durations, stored on the
// stage as `expected_ms` when the run starts) and the live substage rate (`current/total` over the attempt's time).
// The rate gains weight as the stage gets further. No history and no progress: null, never a made-up number.
// Pure, with the clock passed in: the reducer uses an event's time, the TUI and `status` their own clock.

/** A stage past its usual duration with no progress to go by is taken to be nearly done, not done. */
const OVERRUN_FLOOR = 0.05;

const ms = (iso: string | null): number | null => (iso ? Date.parse(iso) : null);

/** From history: the usual duration less the time the stage has run, floored while it overruns. */
function historyRemaining(stage: StageState, now: number): number | null {
  if (stage.expected_ms === null) return null;
  const started = ms(stage.started_at);
  const elapsed = started === null ? 0 : Math.max(0, now - started);
  return Math.max(stage.expected_ms - elapsed, stage.expected_ms * OVERRUN_FLOOR);
}

/**
 * From the substage rate: the program's own time left where it printed one (tqdm, pip and ffmpeg measure their
 * rate over a recent window, better than the attempt's mean), else the attempt's time per unit so far times the
 * units left; less the time since it was reported.
 */
function rateRemaining(stage: StageState, now: number): { ms: number; weight: number } | null {
  const p = stage.progress;
  const started = ms(stage.attempt_started_at ?? stage.started_at);
  const at = ms(p?.at ?? null) ?? now;
  if (!p || started === null || p.total === null || p.total <= 0 || p.current <= 0) return null;
  const fraction = Math.min(1, p.current / p.total);
  // A fan-out's rate counts the items this going of the stage finished, not those a run before it did.
  const doneNow = stage.items ? stage.items.succeeded - stage.items.base : p.current;
  if (doneNow <= 0) return null;
  const atReport = p.remaining_ms ?? ((at - started) / doneNow) * (p.total - p.current);
  return { ms: Math.max(0, atReport - Math.max(0, now - at)), weight: fraction };
}

/** Time left in one stage at `now` (epoch ms), or null when nothing supports a figure. */
export function stageRemainingMs(stage: StageState, now: number): number | null {
  switch (stage.status) {
    case 'succeeded':
    case 'skipped':
    case 'failed':
    case 'cancelled':
      return 0;
    case 'pending':
    case 'awaiting_approval':
      return stage.expected_ms;
    case 'retrying': {
      // A retry starts the work over: the backoff wait, then the stage's usual duration.
      if (stage.expected_ms === null) return null;
      return Math.max(0, (ms(stage.next_attempt_at) ?? now) - now) + stage.expected_ms;
    }
    case 'running': {
      const history = historyRemaining(stage, now);
      const rate = rateRemaining(stage, now);
      if (rate === null) return history === null ? null : Math.round(history);
      if (history === null) return Math.round(rate.ms);
      return Math.round(rate.weight * rate.ms + (1 - rate.weight) * history);
    }
  }
}

/**
 * Time left in the run: along its longest path of stages still to finish (a line of stages: their sum; branches
 * running side by side overlap); null if a stage has no figure. A stage's usual duration runs from its first
 * attempt's start to its end, so the retries and waits it usually needs are in it.
 */
export function runRemainingMs(run: RunMetadata, now: number): number | null {
  if (run.status === 'succeeded') return 0;
  if (run.status !== 'running') return null;
  const left = run.stages.map((stage) => stageRemainingMs(stage, now));
  if (left.includes(null)) return null;
  const total = criticalPathMs(needIndexes(run.stages), left);
  return total === null ? null : Math.round(total);
}

/** The run with `eta_ms` of every stage and of the run as of `at`, which is recorded as `eta_at`. */
export function withEtas(run: RunMetadata, at: string): RunMetadata {
  const now = Date.parse(at);
  const stages = run.stages.map((s) => {
    const active = s.status === 'running' || s.status === 'retrying';
    const eta = s.status === 'succeeded' ? 0 : active ? stageRemainingMs(s, now) : null;
    return eta === s.eta_ms ? s : { ...s, eta_ms: eta };
  });
  return { ...run, stages, eta_ms: runRemainingMs({ ...run, stages }, now), eta_at: at };
}

/** How an ETA reads on screen: a duration, or "unknown" where nothing supports one. */
export const etaText = (ms: number | null): string => (ms === null ? 'ETA unknown' : `ETA ${formatDuration(ms)}`);
