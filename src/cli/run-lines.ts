import type { RunEvent } from '../shared/events.js';
import type { RunMetadata } from '../shared/metadata-schema.js';
import { formatDuration } from '../shared/duration.js';
import { progressCount } from '../shared/progress-text.js';

// Plain progress lines, one per event worth a line: for logs, CI and pipes, where a live display is noise.
export function eventLine(event: RunEvent, state: RunMetadata): string | null {
  const stage = 'stage' in event ? state.stages[event.stage] : undefined;
  const tag = stage ? `[${stage.id}]` : '';
  switch (event.type) {
    case 'run.started':
      return `run ${state.run_id} ${state.pipeline}: started (${state.stages.length} stages)`;
    case 'stage.started':
      return `${tag} started${stage && stage.max_attempts > 1 ? ` (attempt ${event.attempt} of ${stage.max_attempts})` : ''}`;
    case 'stage.progress':
      return `${tag} ${progressCount(event)}${event.message ? ` ${event.message}` : ''}`;
    case 'stage.retrying': {
      const wait = Math.max(0, Date.parse(event.next_attempt_at) - Date.parse(event.at));
      return `${tag} ${event.error.code}: ${event.error.message}; attempt ${event.next_attempt} of ${stage?.max_attempts} in ${formatDuration(wait)}`;
    }
    case 'stage.succeeded':
      return `${tag} succeeded in ${formatDuration(Math.max(0, stage?.duration_ms ?? 0))}`;
    case 'stage.failed':
      return `${tag} failed: ${event.error.code}: ${event.error.message}`;
    case 'stage.skipped':
      return `${tag} skipped (optional): ${event.error ? `${event.error.code}: ${event.error.message}` : ''}`;
    case 'stage.cancelled':
      return `${tag} cancelled`;
    case 'stage.stalled':
      return `${tag} silent for ${formatDuration(event.silent_ms)} (stall_after)`;
    case 'stage.unstalled':
      return `${tag} speaks again after ${formatDuration(event.silent_ms)} of silence`;
    case 'stage.job':
      return `${tag} slurm job ${event.job.id} ${event.job.state}${event.job.reason ? ` (${event.job.reason})` : ''}`;
    case 'entity.added':
      return `${event.entity.stage ? `[${event.entity.stage}] ` : ''}entity ${event.entity.filename}`;
    case 'run.finished':
    case 'run.interrupted':
      return runSummary(state);
    default:
      return null;
  }
}

export function runSummary(state: RunMetadata): string {
  // A clock stepped back between start and end must not make a run take less than nothing.
  const took = state.started_at && state.ended_at ? ` in ${formatDuration(Math.max(0, Date.parse(state.ended_at) - Date.parse(state.started_at)))}` : '';
  const cost = state.total_cost_usd > 0 ? ` · cost $${state.total_cost_usd.toFixed(2)}` : '';
  const error = state.error ? ` · ${state.error.code}: ${state.error.message}` : '';
  return `run ${state.run_id} ${state.status}${took}${cost}${error}`;
}
