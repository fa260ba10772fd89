import { describe, it, expect } from 'vitest';
import { applyEvent } from '../../src/shared/apply-event.js';
import { deriveRun } from '../../src/shared/derive-run.js';
import type { RunEvent, RunEventBody } from '../../src/shared/events.js';
import { RunMetadata, type StageError, type StageState } from '../../src/shared/metadata-schema.js';

const RUN_ID = '20260101-000000-000-abc123';
const T0 = Date.parse('2026-01-01T00:00:00.000Z');
/** ISO time `s` seconds after T0. */
const t = (s: number): string => new Date(T0 + s * 1000).toISOString();

function ev(seq: number, s: number, body: RunEventBody): RunEvent {
  return { ...body, seq, run_id: RUN_ID, at: t(s) };
}

function stageError(code: string, s: number, exitCode: number | null = 1): StageError {
  return { code, message: `${code} happened`, exit_code: exitCode, signal: null, stack: null, at: t(s) };
}

const created = ev(1, 0, {
  type: 'run.created',
  pipeline: 'podcast',
  params: { topic: 'rainbows' },
  stages: [
    { id: 'prepare', optional: false, max_attempts: 1, outputs: ['out/script.txt'] },
    { id: 'summarize', optional: false, max_attempts: 3, outputs: ['out/summary.txt'] },
    { id: 'publish', optional: true, max_attempts: 1, outputs: [] },
  ],
});

// Folds events from null, checking after each one that the state still matches the metadata.json schema.
function fold(events: RunEvent[], from: RunMetadata | null = null): RunMetadata {
  let state = from;
  for (const event of events) {
    state = applyEvent(state, event);
    expect(state).not.toBeNull();
    expect(RunMetadata.parse(state)).toEqual(state);
  }
  if (!state) throw new Error('no state');
  return state;
}

function stage(state: RunMetadata, index: number): StageState {
  const s = state.stages[index];
  if (!s) throw new Error(`no stage ${index}`);
  return s;
}

// A whole run: prepare succeeds with progress, cost, checkpoints and an entity; summarize fails once, is
// retried and succeeds; the optional publish fails and is skipped; the run succeeds.
const happy: RunEvent[] = [
  created,
  ev(2, 1, { type: 'run.started' }),
  ev(3, 1, { type: 'stage.started', stage: 0, attempt: 1, pgid: 4242 }),
  ev(4, 5, { type: 'stage.progress', stage: 0, current: 2, total: 10, message: 'Synthesizing segments' }),
  ev(5, 6, { type: 'stage.cost', stage: 0, usd: 0.1 }),
  ev(6, 7, { type: 'stage.cost', stage: 0, usd: 0.2 }),
  ev(7, 8, { type: 'stage.checkpoint', stage: 0, data: { segments: 2, model: 'a' } }),
  ev(8, 9, { type: 'stage.checkpoint', stage: 0, data: { segments: 12 } }),
  ev(9, 10, {
    type: 'entity.added',
    entity: { sequence: 1, type: 'script', filename: '01_script.txt', stage: 'prepare', timestamp: t(10), size: 5, metadata: {} },
  }),
  ev(10, 11, { type: 'stage.succeeded', stage: 0, outputs: ['out/script.txt'] }),
  ev(11, 12, { type: 'stage.started', stage: 1, attempt: 1, pgid: 5000 }),
  ev(12, 13, { type: 'stage.progress', stage: 1, current: 1, total: 4, message: null }),
  ev(13, 13, { type: 'stage.cost', stage: 1, usd: 0.05 }),
  ev(14, 14, { type: 'stage.retrying', stage: 1, error: stageError('ERR_STAGE_EXIT', 14), next_attempt: 2, next_attempt_at: t(16) }),
  ev(15, 16, { type: 'stage.started', stage: 1, attempt: 2, pgid: 5001 }),
  ev(16, 17, { type: 'stage.cost', stage: 1, usd: 0.05 }),
  ev(17, 20, { type: 'stage.succeeded', stage: 1, outputs: ['out/summary.txt'] }),
  ev(18, 21, { type: 'stage.started', stage: 2, attempt: 1, pgid: null }),
  ev(19, 23, { type: 'stage.skipped', stage: 2, error: stageError('ERR_UPLOAD', 23) }),
  ev(20, 24, { type: 'run.finished', status: 'succeeded', error: null }),
];

/** State after the first n events of the happy run. */
const upTo = (n: number): RunMetadata => fold(happy.slice(0, n));

describe('applyEvent', () => {
  it('creates a queued run from run.created', () => {
    const state = fold([created]);
    expect(state).toMatchObject({
      schema_version: 1,
      run_id: RUN_ID,
      pipeline: 'podcast',
      params: { topic: 'rainbows' },
      status: 'queued',
      created_at: t(0),
      started_at: null,
      ended_at: null,
      current_state: { stage: 0, step: 'prepare', progress: '0/3' },
      expected_outputs: ['out/script.txt', 'out/summary.txt'],
      completed_outputs: [],
      entities: [],
      error: null,
      total_cost_usd: 0,
      eta_ms: null,
      seq: 1,
    });
    expect(state.stages.map((s) => [s.id, s.index, s.status, s.attempts, s.max_attempts, s.log, s.optional])).toEqual([
      ['prepare', 0, 'pending', 0, 1, 'logs/00_prepare.log', false],
      ['summarize', 1, 'pending', 0, 3, 'logs/01_summarize.log', false],
      ['publish', 2, 'pending', 0, 1, 'logs/02_publish.log', true],
    ]);
  });

  it('deduplicates expected outputs declared by several stages', () => {
    const state = fold([
      ev(1, 0, {
        type: 'run.created',
        pipeline: 'p',
        params: {},
        stages: [
          { id: 'a', optional: false, max_attempts: 1, outputs: ['x', 'y'] },
          { id: 'b', optional: false, max_attempts: 1, outputs: ['y', 'z'] },
        ],
      }),
    ]);
    expect(state.expected_outputs).toEqual(['x', 'y', 'z']);
  });

  it('ignores every event until run.created, and a second run.created', () => {
    expect(applyEvent(null, ev(2, 1, { type: 'run.started' }))).toBeNull();
    const state = fold([created]);
    const again = ev(1, 99, { type: 'run.created', pipeline: 'other', params: {}, stages: [] });
    expect(applyEvent(state, again)).toBe(state);
  });

  it('starts the run and the first stage', () => {
    const state = upTo(3);
    expect(state.status).toBe('running');
    expect(state.started_at).toBe(t(1));
    expect(stage(state, 0)).toMatchObject({ status: 'running', attempts: 1, started_at: t(1), ended_at: null, pgid: 4242, progress: null, eta_ms: null });
    expect(state.current_state).toEqual({ stage: 0, step: 'prepare', progress: '0/3' });
    expect(state.seq).toBe(3);
  });

  it('records progress and estimates the stage ETA from its rate so far', () => {
    const state = upTo(4);
    // 2 of 10 done in 4 s: 8 left at 2 s each.
    expect(stage(state, 0).progress).toEqual({ current: 2, total: 10, message: 'Synthesizing segments', at: t(5), rate_per_s: null, remaining_ms: null, unit: null });
    expect(stage(state, 0).eta_ms).toBe(16_000);
    // No stage has finished yet, so the run's ETA cannot count the two pending stages.
    expect(state.eta_ms).toBeNull();
  });

  it('gives an ETA of 0 when progress is complete and none when nothing is done yet', () => {
    const base = upTo(3);
    const complete = fold([ev(4, 5, { type: 'stage.progress', stage: 0, current: 10, total: 10, message: null })], base);
    expect(stage(complete, 0).eta_ms).toBe(0);
    const none = fold([ev(4, 5, { type: 'stage.progress', stage: 0, current: 0, total: 10, message: null })], base);
    expect(stage(none, 0).eta_ms).toBeNull();
  });

  it('sums costs per stage and for the run without float noise', () => {
    const state = upTo(6);
    expect(stage(state, 0).cost_usd).toBe(0.3);
    expect(state.total_cost_usd).toBe(0.3);
  });

  it('merges checkpoint data from successive stage.checkpoint events', () => {
    expect(stage(upTo(8), 0).checkpoint_data).toEqual({ segments: 12, model: 'a' });
    expect(stage(upTo(8), 0).checkpoint).toBeNull();
  });

  it('adds entities once, even when the same sequence comes again', () => {
    const state = upTo(9);
    expect(state.entities).toEqual([
      { sequence: 1, type: 'script', filename: '01_script.txt', stage: 'prepare', timestamp: t(10), size: 5, metadata: {} },
    ]);
    const dup = happy[8];
    if (dup?.type !== 'entity.added') throw new Error('fixture');
    const again = fold([{ ...dup, seq: 10, entity: { ...dup.entity, filename: 'other' } }], state);
    expect(again.entities).toHaveLength(1);
    expect(again.entities[0]?.filename).toBe('01_script.txt');
    expect(again.seq).toBe(10);
  });

  it('finishes a stage with its duration from event times and a checkpoint holding merged data', () => {
    const state = upTo(10);
    expect(stage(state, 0)).toMatchObject({
      status: 'succeeded',
      ended_at: t(11),
      duration_ms: 10_000,
      eta_ms: 0,
      error: null,
      pgid: null,
      checkpoint: { outputs: ['out/script.txt'], data: { segments: 12, model: 'a' }, cost_usd: 0.3, at: t(11) },
    });
    expect(state.current_state).toEqual({ stage: 1, step: 'summarize', progress: '1/3' });
    expect(state.completed_outputs).toEqual(['out/script.txt']);
  });

  it('has no run ETA while a stage still to run has no history, and sums the stages once the run has estimates', () => {
    // Stage 1: 1 of 4 in 1 s → 3 s left; but publish has neither history nor progress: the run's ETA is unknown.
    const state = upTo(12);
    expect(stage(state, 1).eta_ms).toBe(3000);
    expect(state.eta_ms).toBeNull();
    const estimated = ev(21, 2, { type: 'run.estimated', stages: [{ expected_ms: 9000, samples: 10 }, { expected_ms: 4000, samples: 10 }, { expected_ms: 2000, samples: 1 }] });
    const withHistory = fold([...happy.slice(0, 2), { ...estimated, seq: 3 }, ...happy.slice(2, 12).map((e) => ({ ...e, seq: e.seq + 1 }))]);
    expect(stage(withHistory, 2)).toMatchObject({ expected_ms: 2000, expected_samples: 1 });
    // Stage 1 at 1/4: a quarter on the rate (3 s left), the rest on history (4 s less the 1 s it has run) → 3 s.
    expect(stage(withHistory, 1).eta_ms).toBe(3000);
    expect(withHistory.eta_ms).toBe(3000 + 2000);
    expect(withHistory.eta_at).toBe(t(13));
  });

  it('marks a stage retrying with its error and the time of the next attempt', () => {
    const state = upTo(14);
    expect(stage(state, 1)).toMatchObject({
      status: 'retrying',
      attempts: 1,
      next_attempt_at: t(16),
      error: { code: 'ERR_STAGE_EXIT', exit_code: 1 },
      pgid: null,
    });
    expect(state.status).toBe('running');
    expect(state.current_state).toEqual({ stage: 1, step: 'summarize', progress: '1/3' });
  });

  it('starts the next attempt keeping the first start time and the cost spent so far', () => {
    const state = upTo(16);
    expect(stage(state, 1)).toMatchObject({
      status: 'running',
      attempts: 2,
      next_attempt_at: null,
      error: null,
      started_at: t(12),
      pgid: 5001,
      cost_usd: 0.1,
    });
    expect(state.total_cost_usd).toBe(0.4);
  });

  it('counts a skipped stage as finished and keeps its error', () => {
    const state = upTo(19);
    expect(stage(state, 2)).toMatchObject({ status: 'skipped', duration_ms: 2000, error: { code: 'ERR_UPLOAD' }, checkpoint: null });
    expect(state.current_state).toEqual({ stage: 2, step: 'publish', progress: '3/3' });
    // A skipped stage produced nothing.
    expect(state.completed_outputs).toEqual(['out/script.txt', 'out/summary.txt']);
  });

  it('ends the run with run.finished', () => {
    const state = upTo(20);
    expect(state).toMatchObject({ status: 'succeeded', ended_at: t(24), error: null, eta_ms: 0, seq: 20, total_cost_usd: 0.4 });
    expect(stage(state, 1)).toMatchObject({ status: 'succeeded', attempts: 2, duration_ms: 8000 });
  });

  it('ignores events at or below the state’s seq, so a replay changes nothing', () => {
    const state = upTo(20);
    let replayed: RunMetadata | null = state;
    for (const event of happy) replayed = applyEvent(replayed, event);
    expect(replayed).toBe(state);
    // An older event with a new body is ignored too.
    expect(applyEvent(state, ev(20, 99, { type: 'run.finished', status: 'failed', error: null }))).toBe(state);
  });

  it('folds to the same state when an overlapping feed is applied after a reconnect', () => {
    const first = fold(happy.slice(0, 12));
    let resumed: RunMetadata | null = first;
    for (const event of happy.slice(5)) resumed = applyEvent(resumed, event);
    expect(resumed).toEqual(upTo(20));
  });

  it('changes nothing but seq for an event naming a stage that does not exist', () => {
    const state = upTo(3);
    const bodies: RunEventBody[] = [
      { type: 'stage.started', stage: 7, attempt: 1, pgid: 1 },
      { type: 'stage.progress', stage: 7, current: 1, total: 2, message: null },
      { type: 'stage.cost', stage: 7, usd: 5 },
      { type: 'stage.checkpoint', stage: 7, data: { a: 1 } },
      { type: 'stage.retrying', stage: 7, error: stageError('ERR_X', 4), next_attempt: 2, next_attempt_at: t(5) },
      { type: 'stage.succeeded', stage: 7, outputs: [] },
      { type: 'stage.failed', stage: 7, error: stageError('ERR_X', 4) },
      { type: 'stage.skipped', stage: 7, error: null },
      { type: 'stage.cancelled', stage: 7, error: stageError('ERR_CANCELLED', 4) },
    ];
    bodies.forEach((body, i) => {
      const next = fold([ev(4 + i, 4, body)], state);
      expect(next).toEqual({ ...state, seq: 4 + i, eta_at: t(4) });
    });
  });

  it('records a failed stage and a failed run', () => {
    const state = fold([
      ...happy.slice(0, 3),
      ev(4, 3.5, { type: 'stage.failed', stage: 0, error: stageError('ERR_STAGE_TIMEOUT', 3.5, null) }),
      ev(5, 4, { type: 'run.finished', status: 'failed', error: { code: 'ERR_STAGE_TIMEOUT', message: 'timed out', stage: 'prepare' } }),
    ]);
    expect(stage(state, 0)).toMatchObject({ status: 'failed', duration_ms: 2500, eta_ms: null, checkpoint: null, error: { code: 'ERR_STAGE_TIMEOUT' } });
    expect(state).toMatchObject({
      status: 'failed',
      ended_at: t(4),
      error: { code: 'ERR_STAGE_TIMEOUT', stage: 'prepare' },
      eta_ms: null,
      completed_outputs: [],
      current_state: { stage: 0, step: 'prepare', progress: '0/3' },
    });
  });

  it('records a cancelled stage and a cancelled run', () => {
    const state = fold([
      ...happy.slice(0, 10),
      ev(11, 12, { type: 'stage.started', stage: 1, attempt: 1, pgid: 77 }),
      ev(12, 15, { type: 'stage.cancelled', stage: 1, error: stageError('ERR_CANCELLED', 15, null) }),
      ev(13, 15, { type: 'run.finished', status: 'cancelled', error: { code: 'ERR_CANCELLED', message: 'cancelled', stage: 'summarize' } }),
    ]);
    expect(stage(state, 1)).toMatchObject({ status: 'cancelled', duration_ms: 3000, pgid: null, error: { code: 'ERR_CANCELLED' } });
    expect(stage(state, 2).status).toBe('pending');
    expect(state).toMatchObject({ status: 'cancelled', eta_ms: null, current_state: { stage: 1, step: 'summarize', progress: '1/3' } });
  });

  it('starts a resumed run again, clearing its end and error but keeping its first start', () => {
    const failed = fold([
      ...happy.slice(0, 3),
      ev(4, 3, { type: 'stage.failed', stage: 0, error: stageError('ERR_STAGE_EXIT', 3) }),
      ev(5, 4, { type: 'run.finished', status: 'failed', error: { code: 'ERR_STAGE_EXIT', message: 'x', stage: 'prepare' } }),
    ]);
    const resumed = fold([ev(6, 100, { type: 'run.started' }), ev(7, 100, { type: 'stage.started', stage: 0, attempt: 1, pgid: 9 })], failed);
    expect(resumed).toMatchObject({ status: 'running', started_at: t(1), ended_at: null, error: null });
    expect(stage(resumed, 0)).toMatchObject({ status: 'running', started_at: t(100), error: null, cost_usd: 0 });
  });

  it('never lists an output twice in completed_outputs when two stages declare it', () => {
    const state = fold([
      ev(1, 0, {
        type: 'run.created',
        pipeline: 'p',
        params: {},
        stages: [
          { id: 'a', optional: false, max_attempts: 1, outputs: ['shared.txt'] },
          { id: 'b', optional: false, max_attempts: 1, outputs: ['shared.txt'] },
        ],
      }),
      ev(2, 1, { type: 'stage.started', stage: 0, attempt: 1, pgid: null }),
      ev(3, 2, { type: 'stage.succeeded', stage: 0, outputs: ['shared.txt'] }),
      ev(4, 3, { type: 'stage.started', stage: 1, attempt: 1, pgid: null }),
      ev(5, 4, { type: 'stage.succeeded', stage: 1, outputs: ['shared.txt'] }),
    ]);
    expect(state.expected_outputs).toEqual(['shared.txt']);
    expect(state.completed_outputs).toEqual(['shared.txt']);
  });
});

describe('stalls', () => {
  // Stage 1 (summarize) runs from 12 s; upTo(12) has it running with progress reported at 13 s.
  const running = (): RunMetadata => upTo(12);

  it('marks a running stage stalled since its last activity, and clears the mark when it speaks again', () => {
    const stalled = fold([ev(13, 75, { type: 'stage.stalled', stage: 1, silent_ms: 62_000 })], running());
    expect(stage(stalled, 1)).toMatchObject({ status: 'running', silent_since: t(13) });
    expect(stage(stalled, 0).silent_since).toBeNull();
    const spoke = fold([ev(14, 80, { type: 'stage.unstalled', stage: 1, silent_ms: 67_000 })], stalled);
    expect(stage(spoke, 1)).toMatchObject({ status: 'running', silent_since: null });
  });

  it('clears the mark on progress, on a retry, on the next attempt and when the stage ends', () => {
    const stalled = fold([ev(13, 75, { type: 'stage.stalled', stage: 1, silent_ms: 62_000 })], running());
    const after = (body: RunEventBody): StageState => stage(fold([ev(14, 80, body)], stalled), 1);
    expect(after({ type: 'stage.progress', stage: 1, current: 2, total: 4, message: null }).silent_since).toBeNull();
    expect(after({ type: 'stage.retrying', stage: 1, error: stageError('ERR_STAGE_STALLED', 80, null), next_attempt: 2, next_attempt_at: t(81) }).silent_since).toBeNull();
    expect(after({ type: 'stage.started', stage: 1, attempt: 2, pgid: 5001 }).silent_since).toBeNull();
    expect(after({ type: 'stage.failed', stage: 1, error: stageError('ERR_STAGE_STALLED', 80, null) }).silent_since).toBeNull();
    expect(after({ type: 'stage.cancelled', stage: 1, error: stageError('ERR_CANCELLED', 80, null) }).silent_since).toBeNull();
  });

  it('marks nothing on a stage that is not running', () => {
    const done = upTo(10);
    expect(stage(fold([ev(11, 12, { type: 'stage.stalled', stage: 0, silent_ms: 1000 })], done), 0)).toMatchObject({ status: 'succeeded', silent_since: null });
    expect(stage(fold([ev(11, 12, { type: 'stage.stalled', stage: 2, silent_ms: 1000 })], done), 2)).toMatchObject({ status: 'pending', silent_since: null });
  });

  it('reads a metadata.json written before stalls existed as not stalled', () => {
    const { silent_since: _, ...older } = stage(running(), 1);
    const parsed = RunMetadata.parse({ ...running(), stages: [older] });
    expect(parsed.stages[0]?.silent_since).toBeNull();
  });
});

describe('deriveRun', () => {
  it('recomputes current_state, outputs, cost and ETA from the stages alone', () => {
    const state = upTo(12);
    const scrambled: RunMetadata = {
      ...state,
      current_state: { stage: 9, step: 'nope', progress: '9/9' },
      completed_outputs: ['junk'],
      total_cost_usd: 123,
      eta_ms: -1,
    };
    expect(deriveRun(scrambled, state.eta_at ?? '')).toEqual(state);
  });

  it('points at the last stage when every stage is finished', () => {
    const state = upTo(19);
    expect(state.current_state.stage).toBe(2);
    expect(deriveRun({ ...state, stages: [] }, t(30)).current_state).toEqual({ stage: 0, step: '', progress: '0/0' });
  });
});

describe('resources', () => {
  const MB = 1024 * 1024;
  const reading = (seq: number, rssMb: number, peakMb: number, cpu_s: number): RunEvent =>
    ev(seq, 20, { type: 'stage.resources', stage: 1, cpu_pct: 150, rss_bytes: rssMb * MB, peak_rss_bytes: peakMb * MB, cpu_s });

  it('keeps the running stage’s latest reading and the attempt’s peak, and starts over with the next attempt', () => {
    const measured = fold([reading(13, 300, 300, 2), reading(14, 100, 100, 4)], upTo(12));
    // A later reading's own peak is lower (a sampler that started late): the peak already seen stands.
    expect(stage(measured, 1).resources).toEqual({ cpu_pct: 150, rss_bytes: 100 * MB, peak_rss_bytes: 300 * MB, cpu_s: 4, gpu_bytes: null, peak_gpu_bytes: null });
    const next = fold([ev(15, 21, { type: 'stage.started', stage: 1, attempt: 2, pgid: 5002 })], measured);
    expect(stage(next, 1).resources).toBeNull();
  });
});
