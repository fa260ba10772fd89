import type { RunEvent } from './events.js';
import type { RunMetadata, StageState } from './metadata-schema.js';
import { stageLogName } from './names.js';
import { deriveRun } from './derive-run.js';

type Stage = StageState;

// The one reducer: metadata.json is the fold of events.ndjson through it, in the daemon and in the TUI alike.
// Pure: times come from the events, never from the clock. An event at or below the state's seq is ignored,
// so replaying a feed after a reconnect is harmless.
export function applyEvent(state: RunMetadata | null, event: RunEvent): RunMetadata | null {
  if (event.type === 'run.created') return state ?? createdState(event);
  if (!state || event.seq <= state.seq) return state;
  const next = reduce(state, event);
  return deriveRun({ ...next, seq: event.seq });
}

function createdState(event: Extract<RunEvent, { type: 'run.created' }>): RunMetadata {
  const stages = event.stages.map(
    (s, index): Stage => ({
      id: s.id,
      index,
      optional: s.optional,
      status: 'pending',
      attempts: 0,
      max_attempts: s.max_attempts,
      next_attempt_at: null,
      started_at: null,
      ended_at: null,
      duration_ms: null,
      progress: null,
      eta_ms: null,
      cost_usd: 0,
      error: null,
      log: stageLogName(index, s.id),
      outputs: s.outputs,
      checkpoint_data: null,
      checkpoint: null,
      pgid: null,
    }),
  );
  return deriveRun({
    schema_version: 1,
    run_id: event.run_id,
    pipeline: event.pipeline,
    params: event.params,
    status: 'queued',
    created_at: event.at,
    started_at: null,
    ended_at: null,
    current_state: { stage: 0, step: stages[0]?.id ?? '', progress: `0/${stages.length}` },
    stages,
    expected_outputs: [...new Set(event.stages.flatMap((s) => s.outputs))],
    completed_outputs: [],
    entities: [],
    error: null,
    total_cost_usd: 0,
    eta_ms: null,
    seq: event.seq,
  });
}

function reduce(state: RunMetadata, event: RunEvent): RunMetadata {
  const at = event.at;
  switch (event.type) {
    case 'run.created':
      return state;
    case 'run.started':
      return { ...state, status: 'running', started_at: state.started_at ?? at, ended_at: null, error: null };
    case 'stage.started':
      return withStage(state, event.stage, (s) => ({
        ...s,
        status: 'running',
        attempts: event.attempt,
        next_attempt_at: null,
        started_at: event.attempt === 1 || !s.started_at ? at : s.started_at,
        ended_at: null,
        duration_ms: null,
        progress: null,
        eta_ms: null,
        error: null,
        checkpoint_data: null,
        checkpoint: null,
        cost_usd: event.attempt === 1 ? 0 : s.cost_usd,
        pgid: event.pgid,
      }), { status: 'running', ended_at: null, error: null });
    case 'stage.progress':
      return withStage(state, event.stage, (s) => ({
        ...s,
        progress: { current: event.current, total: event.total, message: event.message },
        eta_ms: rateEta(s.started_at, at, event.current, event.total),
      }));
    case 'stage.cost':
      return withStage(state, event.stage, (s) => ({ ...s, cost_usd: round6(s.cost_usd + event.usd) }));
    case 'stage.checkpoint':
      return withStage(state, event.stage, (s) => ({ ...s, checkpoint_data: { ...s.checkpoint_data, ...event.data } }));
    case 'entity.added':
      if (state.entities.some((e) => e.sequence === event.entity.sequence)) return state;
      return { ...state, entities: [...state.entities, event.entity] };
    case 'stage.retrying':
      return withStage(state, event.stage, (s) => ({
        ...s,
        status: 'retrying',
        error: event.error,
        next_attempt_at: event.next_attempt_at,
        pgid: null,
      }));
    case 'stage.succeeded':
      return withStage(state, event.stage, (s) => ({
        ...ended(s, at, 'succeeded'),
        error: null,
        eta_ms: 0,
        checkpoint: { outputs: event.outputs, data: s.checkpoint_data, cost_usd: s.cost_usd, at },
      }));
    case 'stage.failed':
      return withStage(state, event.stage, (s) => ({ ...ended(s, at, 'failed'), error: event.error }));
    case 'stage.skipped':
      return withStage(state, event.stage, (s) => ({ ...ended(s, at, 'skipped'), error: event.error }));
    case 'stage.cancelled':
      return withStage(state, event.stage, (s) => ({ ...ended(s, at, 'cancelled'), error: event.error }));
    case 'run.finished':
      return { ...state, status: event.status, ended_at: at, error: event.error };
  }
}

function ended(s: Stage, at: string, status: Stage['status']): Stage {
  const duration = s.started_at ? Date.parse(at) - Date.parse(s.started_at) : null;
  return { ...s, status, ended_at: at, duration_ms: duration, next_attempt_at: null, eta_ms: null, pgid: null };
}

// An event naming a stage that does not exist changes nothing but seq: a reader never crashes on a bad feed.
function withStage(
  state: RunMetadata,
  index: number,
  change: (stage: Stage) => Stage,
  run: Partial<RunMetadata> = {},
): RunMetadata {
  const stage = state.stages[index];
  if (!stage) return state;
  const stages = state.stages.slice();
  stages[index] = change(stage);
  return { ...state, ...run, stages };
}

// Until history-based estimates exist, a stage's ETA follows its substage rate so far.
function rateEta(startedAt: string | null, at: string, current: number, total: number): number | null {
  if (!startedAt || current <= 0 || total <= current) return total > 0 && current >= total ? 0 : null;
  const elapsed = Date.parse(at) - Date.parse(startedAt);
  return Math.max(0, Math.round((elapsed / current) * (total - current)));
}

const round6 = (n: number): number => Math.round(n * 1e6) / 1e6;
