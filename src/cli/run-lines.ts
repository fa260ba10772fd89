import type { RunEvent } from '../shared/events.js';
import type { Items, RunMetadata } from '../shared/metadata-schema.js';
import { formatDuration } from '../shared/duration.js';
import { itemsText, progressCount } from '../shared/progress-text.js';

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
    case 'stage.items':
      return `${tag} ${event.total} item${event.total === 1 ? '' : 's'}`;
    case 'item.retrying':
      return `${tag} item ${event.item}: ${event.error.code}: ${event.error.message}; retrying`;
    case 'item.failed':
      return `${tag} item ${event.item} failed: ${event.error.code}: ${event.error.message}`;
    case 'item.succeeded':
      return stage?.items ? itemsMilestone(tag, stage.items) : null;
    case 'stage.waiting':
      return event.pool === null ? null : `${tag} waiting for ${event.pool} (${event.size} of ${event.size} busy)`;
    case 'entity.added':
      return `${event.entity.stage ? `[${event.entity.stage}] ` : ''}entity ${event.entity.filename}`;
    case 'run.finished':
    case 'run.interrupted':
      return runSummary(state);
    default:
      return null;
  }
}

// A fan-out of 10 000 items is not 10 000 lines: one as each tenth of its items is done.
function itemsMilestone(tag: string, items: Items): string | null {
  const done = items.succeeded + items.failed.length;
  const step = Math.max(1, Math.ceil(items.total / 10));
  return done % step === 0 || done === items.total ? `${tag} ${itemsText(items, false)}` : null;
}

export function runSummary(state: RunMetadata): string {
  // A clock stepped back between start and end must not make a run take less than nothing.
  const took = state.started_at && state.ended_at ? ` in ${formatDuration(Math.max(0, Date.parse(state.ended_at) - Date.parse(state.started_at)))}` : '';
  const cost = state.total_cost_usd > 0 ? ` · cost $${state.total_cost_usd.toFixed(2)}` : '';
  const error = state.error ? ` · ${state.error.code}: ${state.error.message}` : '';
  return `run ${state.run_id} ${state.status}${took}${cost}${error}`;
}
