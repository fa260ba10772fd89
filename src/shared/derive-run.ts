import { withEtas } from './eta.js';
import type { RunMetadata, StageState } from './metadata-schema.js';

const FINISHED = new Set<StageState['status']>(['succeeded', 'skipped']);
const ACTIVE = new Set<StageState['status']>(['running', 'retrying', 'awaiting_approval']);

// Fields computed from the stages rather than stored by events, so they can never disagree with them; the ETAs
// as of `at`, the time of the event that produced this state.
export function deriveRun(state: RunMetadata, at: string): RunMetadata {
  const { stages } = state;
  const done = stages.filter((s) => FINISHED.has(s.status)).length;
  const current = currentStageIndex(stages);
  const stage = stages[current];
  return withEtas({
    ...state,
    status: liveStatus(state),
    current_state: { stage: current, step: stage?.id ?? '', progress: `${done}/${stages.length}` },
    completed_outputs: [...new Set(stages.flatMap((s) => (s.status === 'succeeded' ? s.outputs : [])))],
    total_cost_usd: Math.round(stages.reduce((sum, s) => sum + s.cost_usd, 0) * 1e6) / 1e6,
  }, at);
}

// A live run waits for an approval while any of its stages does, though others run beside it (a graph).
function liveStatus(state: RunMetadata): RunMetadata['status'] {
  if (state.status !== 'running' && state.status !== 'awaiting_approval') return state.status;
  return state.stages.some((s) => s.status === 'awaiting_approval') ? 'awaiting_approval' : 'running';
}

// The active stage; else the first not finished; else the last one.
function currentStageIndex(stages: StageState[]): number {
  const active = stages.findIndex((s) => ACTIVE.has(s.status));
  if (active >= 0) return active;
  const open = stages.findIndex((s) => !FINISHED.has(s.status));
  return open >= 0 ? open : Math.max(0, stages.length - 1);
}

/** The stage whose error explains the run's failure, cancel or interruption, if any. */
export function failedStage(run: RunMetadata): StageState | null {
  return run.stages.find((s) => s.error && s.status !== 'succeeded' && s.status !== 'skipped') ?? null;
}
