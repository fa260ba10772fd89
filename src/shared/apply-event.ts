import type { RunEvent } from './events.js';
import type { RunMetadata, StageState } from './metadata-schema.js';
import { stageLogName } from './names.js';
import { deriveRun } from './derive-run.js';
import { applyItemEvent, interruptItems } from './item-events.js';

type Stage = StageState;

const ACTIVE = new Set<Stage['status']>(['running', 'retrying', 'awaiting_approval']);

// The one reducer: metadata.json is the fold of events.ndjson through it, in the daemon and in the TUI alike.
// Pure: times come from the events, never from the clock. An event at or below the state's seq is ignored,
// so replaying a feed after a reconnect is harmless.
export function applyEvent(state: RunMetadata | null, event: RunEvent): RunMetadata | null {
  if (event.type === 'run.created') return state ?? createdState(event);
  if (!state || event.seq <= state.seq) return state;
  const next = reduce(state, event);
  return deriveRun({ ...next, seq: event.seq }, event.at);
}

function createdState(event: Extract<RunEvent, { type: 'run.created' }>): RunMetadata {
  const stages = event.stages.map((s, index) => ({ ...pendingStage(s.id, index, s.optional, s.max_attempts, s.outputs, null), needs: s.needs ?? null }));
  return deriveRun({
    schema_version: event.stages.some((s) => s.needs) ? 2 : 1,
    run_id: event.run_id,
    pipeline: event.pipeline,
    pipeline_file: event.pipeline_file ?? null,
    params: event.params,
    status: 'queued',
    runner_pid: null,
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
    eta_at: null,
    seq: event.seq,
  }, event.at);
}

function reduce(state: RunMetadata, event: RunEvent): RunMetadata {
  const at = event.at;
  switch (event.type) {
    case 'run.created':
      return state;
    case 'run.started':
      return { ...state, status: 'running', runner_pid: event.runner_pid ?? null, started_at: state.started_at ?? at, ended_at: null, error: null };
    case 'stage.started':
      return withStage(state, event.stage, (s) => ({
        ...s,
        status: 'running',
        attempts: event.attempt,
        next_attempt_at: null,
        started_at: event.attempt === 1 || !s.started_at ? at : s.started_at,
        attempt_started_at: at,
        ended_at: null,
        duration_ms: null,
        progress: null,
        eta_ms: null,
        error: null,
        checkpoint_data: null,
        checkpoint: null,
        cost_usd: event.attempt === 1 ? 0 : s.cost_usd,
        pgid: event.pgid,
        job: null,
        silent_since: null,
        resources: null,
        waiting_for: null,
      }), { status: 'running', ended_at: null, error: null });
    case 'stage.progress':
      // Progress is activity: it ends a stall as output does.
      return withStage(state, event.stage, (s) => ({
        ...s,
        progress: { current: event.current, total: event.total, message: event.message, at, rate_per_s: event.rate_per_s ?? null, remaining_ms: event.remaining_ms ?? null, unit: event.unit ?? null },
        silent_since: null,
      }));
    case 'stage.stalled':
      // Only a running stage can be silent; a stall told after its end marks nothing.
      return withStage(state, event.stage, (s) => (s.status === 'running' ? { ...s, silent_since: new Date(Date.parse(at) - event.silent_ms).toISOString() } : s));
    case 'stage.unstalled':
      return withStage(state, event.stage, (s) => ({ ...s, silent_since: null }));
    case 'stage.resources':
      return withStage(state, event.stage, (s) => ({
        ...s,
        resources: {
          cpu_pct: event.cpu_pct,
          rss_bytes: event.rss_bytes,
          peak_rss_bytes: Math.max(event.peak_rss_bytes, s.resources?.peak_rss_bytes ?? 0),
          cpu_s: event.cpu_s,
          gpu_bytes: event.gpu_bytes ?? null,
          peak_gpu_bytes: maxOrNull(event.peak_gpu_bytes ?? null, s.resources?.peak_gpu_bytes ?? null),
        },
      }));
    case 'stage.waiting':
      return withStage(state, event.stage, (s) => ({ ...s, waiting_for: event.pool === null ? null : { pool: event.pool, size: event.size } }));
    case 'stage.items':
    case 'item.started':
    case 'item.retrying':
    case 'item.succeeded':
    case 'item.failed':
      return withStage(state, event.stage, (s) => applyItemEvent(s, event, at));
    case 'stage.warned':
      return withStage(state, event.stage, (s) => ({ ...s, malformed_lines: s.malformed_lines + event.malformed }));
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
        silent_since: null,
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
    case 'run.queued':
      return { ...state, status: 'queued', runner_pid: null, ended_at: null, error: null };
    case 'run.interrupted': {
      const stages = state.stages.map((s) => {
        if (!ACTIVE.has(s.status)) return s;
        const items = s.items && interruptItems(s.items, event.error.code, event.error.message);
        return { ...ended(s, at, 'failed'), error: event.error, items };
      });
      const stage = state.stages.find((s) => ACTIVE.has(s.status))?.id ?? null;
      return { ...state, stages, status: 'interrupted', ended_at: at, error: { code: event.error.code, message: event.error.message, stage } };
    }
    case 'stage.reset':
      return withStage(state, event.stage, (s) => ({
        ...pendingStage(s.id, s.index, s.optional, s.max_attempts, s.outputs, event.reason),
        needs: s.needs,
        expected_ms: s.expected_ms,
        expected_samples: s.expected_samples,
      }));
    case 'stage.awaiting_approval':
      return withStage(state, event.stage, (s) => ({ ...s, status: 'awaiting_approval', approval_timeout_at: event.timeout_at }), { status: 'awaiting_approval' });
    case 'stage.job':
      return withStage(state, event.stage, (s) => ({ ...s, job: event.job }));
    case 'run.estimated':
      return {
        ...state,
        stages: state.stages.map((s, i) => {
          const e = event.stages[i];
          return e ? { ...s, expected_ms: e.expected_ms, expected_samples: e.samples } : s;
        }),
      };
    case 'stage.approved':
      return withStage(state, event.stage, (s) => ({ ...s, status: 'pending', approval_timeout_at: null, approved_by: event.by, approved_at: at }), { status: 'running' });
  }
}

// A stage that has not run: as a run is created, and again after a reset (which says why).
function pendingStage(id: string, index: number, optional: boolean, maxAttempts: number, outputs: string[], resetReason: string | null): Stage {
  return {
    id,
    index,
    optional,
    status: 'pending',
    attempts: 0,
    max_attempts: maxAttempts,
    next_attempt_at: null,
    started_at: null,
    attempt_started_at: null,
    ended_at: null,
    duration_ms: null,
    progress: null,
    eta_ms: null,
    expected_ms: null,
    expected_samples: 0,
    job: null,
    cost_usd: 0,
    malformed_lines: 0,
    error: null,
    log: stageLogName(index, id),
    outputs,
    checkpoint_data: null,
    checkpoint: null,
    pgid: null,
    approval_timeout_at: null,
    approved_by: null,
    approved_at: null,
    reset_reason: resetReason,
    silent_since: null,
    resources: null,
    needs: null,
    items: null,
    waiting_for: null,
  };
}

function ended(s: Stage, at: string, status: Stage['status']): Stage {
  const duration = s.started_at ? Date.parse(at) - Date.parse(s.started_at) : null;
  return { ...s, status, ended_at: at, duration_ms: duration, next_attempt_at: null, eta_ms: null, pgid: null, silent_since: null, waiting_for: null };
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

const round6 = (n: number): number => Math.round(n * 1e6) / 1e6;

/** The larger of two readings, either of which may be missing. */
const maxOrNull = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.max(a, b));
