import type { RunMetadata, StageState } from './metadata-schema.js';

const FINISHED = new Set<StageState['status']>(['succeeded', 'skipped']);
const ACTIVE = new Set<StageState['status']>(['running', 'retrying', 'awaiting_approval']);

// Fields computed from the stages rather than stored by events, so they can never disagree with them.
export function deriveRun(state: RunMetadata): RunMetadata {
  const { stages } = state;
  const done = stages.filter((s) => FINISHED.has(s.status)).length;
  const current = currentStageIndex(stages);
  const stage = stages[current];
  return {
    ...state,
    current_state: { stage: current, step: stage?.id ?? '', progress: `${done}/${stages.length}` },
    completed_outputs: [...new Set(stages.flatMap((s) => (s.status === 'succeeded' ? s.outputs : [])))],
    total_cost_usd: Math.round(stages.reduce((sum, s) => sum + s.cost_usd, 0) * 1e6) / 1e6,
    eta_ms: runEta(state),
  };
}

// The active stage; else the first not finished; else the last one.
function currentStageIndex(stages: StageState[]): number {
  const active = stages.findIndex((s) => ACTIVE.has(s.status));
  if (active >= 0) return active;
  const open = stages.findIndex((s) => !FINISHED.has(s.status));
  return open >= 0 ? open : Math.max(0, stages.length - 1);
}

// Crude until history exists: the running stage's ETA plus the mean duration of finished stages for each one left.
function runEta(state: RunMetadata): number | null {
  if (state.status !== 'running') return state.status === 'succeeded' ? 0 : null;
  const finished = state.stages.filter((s) => s.status === 'succeeded' && s.duration_ms !== null);
  const pending = state.stages.filter((s) => s.status === 'pending').length;
  const running = state.stages.find((s) => ACTIVE.has(s.status));
  if (running && running.eta_ms === null) return null;
  if (pending > 0 && finished.length === 0) return null;
  const mean = finished.length ? finished.reduce((t, s) => t + (s.duration_ms ?? 0), 0) / finished.length : 0;
  return Math.round((running?.eta_ms ?? 0) + pending * mean);
}

/** The stage whose error explains the run's failure, cancel or interruption, if any. */
export function failedStage(run: RunMetadata): StageState | null {
  return run.stages.find((s) => s.error && s.status !== 'succeeded' && s.status !== 'skipped') ?? null;
}
