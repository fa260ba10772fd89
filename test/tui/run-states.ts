import { applyEvent } from '../../src/shared/apply-event.js';
import type { RunEvent, RunEventBody } from '../../src/shared/events.js';
import type { RunMetadata } from '../../src/shared/metadata-schema.js';
import { indexEntryOf } from '../../src/shared/run-index-entry.js';
import { type RunEntry, entryOfRun, listingEntry } from '../../src/tui/run-entries.js';

export const T0 = Date.parse('2026-11-24T10:00:00.000Z');
const at = (ms: number): string => new Date(T0 + ms).toISOString();

// Run states built the way the daemon builds them: events folded through the shared reducer.
export function runFrom(bodies: (RunEventBody & { ms?: number })[], runId = '20261124-100000-000-abc123', needs?: string[][]): RunMetadata {
  let state: RunMetadata | null = null;
  const created: RunEvent = {
    type: 'run.created', seq: 1, run_id: runId, at: at(0), pipeline: 'podcast', params: { topic: 'x' },
    stages: ['prepare', 'research', 'summarize', 'synthesize', 'package'].map((id, i) => ({ id, optional: false, max_attempts: 3, outputs: [], ...(needs ? { needs: needs[i] } : {}) })),
  };
  state = applyEvent(state, created);
  bodies.forEach((body, i) => {
    const { ms = (i + 1) * 1000, ...rest } = body;
    state = applyEvent(state, { ...rest, seq: i + 2, run_id: runId, at: at(ms) } as RunEvent);
  });
  return state as unknown as RunMetadata;
}

const err = (code: string, ms: number, exit_code: number | null = 1) => ({ code, message: `${code} happened`, exit_code, signal: null, stack: null, at: at(ms) });

export const states = {
  queued: () => runFrom([]),
  running: () =>
    runFrom([
      { type: 'run.started' },
      { type: 'stage.started', stage: 0, attempt: 1, pgid: 1 },
      { type: 'stage.succeeded', stage: 0, outputs: [] },
      { type: 'stage.started', stage: 1, attempt: 1, pgid: 2, ms: 3000 },
      { type: 'stage.progress', stage: 1, current: 3, total: 10, message: 'Synthesizing segments', ms: 6000 },
    ]),
  // research and summarize side by side after prepare; synthesize needs both, package needs synthesize.
  graph: () =>
    runFrom(
      [
        { type: 'run.started' },
        { type: 'stage.started', stage: 0, attempt: 1, pgid: 1 },
        { type: 'stage.succeeded', stage: 0, outputs: [] },
        { type: 'stage.started', stage: 1, attempt: 1, pgid: 2, ms: 3000 },
        { type: 'stage.started', stage: 2, attempt: 1, pgid: 3, ms: 3000 },
        { type: 'stage.progress', stage: 1, current: 3, total: 10, message: null, ms: 5000 },
        { type: 'stage.progress', stage: 2, current: 7, total: 10, message: null, ms: 6000 },
      ],
      '20261124-100000-000-abc123',
      [[], ['prepare'], ['prepare'], ['research', 'summarize'], ['synthesize']],
    ),
  retrying: () =>
    runFrom([
      { type: 'run.started' },
      { type: 'stage.started', stage: 0, attempt: 1, pgid: 1 },
      { type: 'stage.retrying', stage: 0, error: err('ERR_STAGE_EXIT', 2000), next_attempt: 2, next_attempt_at: at(6000), ms: 2000 },
    ]),
  awaiting: () =>
    runFrom([
      { type: 'run.started' },
      { type: 'stage.started', stage: 0, attempt: 1, pgid: 1 },
      { type: 'stage.succeeded', stage: 0, outputs: [] },
      { type: 'stage.awaiting_approval', stage: 1, timeout_at: null },
    ]),
  failed: () =>
    runFrom([
      { type: 'run.started' },
      { type: 'stage.started', stage: 0, attempt: 1, pgid: 1 },
      { type: 'stage.failed', stage: 0, error: err('ERR_STAGE_EXIT', 2000, 3) },
      { type: 'entity.added', entity: { sequence: 1, type: 'error', filename: '01_error.json', stage: 'prepare', timestamp: at(2000), size: 10, metadata: { code: 'ERR_STAGE_EXIT' } } },
      { type: 'run.finished', status: 'failed', error: { code: 'ERR_STAGE_EXIT', message: 'ERR_STAGE_EXIT happened', stage: 'prepare' } },
    ]),
  cancelled: () =>
    runFrom([
      { type: 'run.started' },
      { type: 'stage.started', stage: 0, attempt: 1, pgid: 1 },
      { type: 'stage.cancelled', stage: 0, error: err('ERR_CANCELLED', 2000, null) },
      { type: 'run.finished', status: 'cancelled', error: { code: 'ERR_CANCELLED', message: 'cancelled', stage: 'prepare' } },
    ]),
  interrupted: () =>
    runFrom([
      { type: 'run.started' },
      { type: 'stage.started', stage: 0, attempt: 1, pgid: 1 },
      { type: 'run.interrupted', error: err('ERR_INTERRUPTED', 2000, null) },
    ]),
};

/** A run as the list holds one it holds whole (the feed's, a followed folder's). */
export const held = (run: RunMetadata): RunEntry => entryOfRun(run);

/** A run as the list holds a finished one: its listing alone (an index line), under `runId`. */
export const listed = (runId: string, run: RunMetadata = states.failed()): RunEntry => listingEntry({ ...indexEntryOf(run), run_id: runId });
