import { describe, expect, it } from 'vitest';
import { applyEvent } from '../../src/shared/apply-event.js';
import type { RunEvent, RunEventBody } from '../../src/shared/events.js';
import { itemsToRun } from '../../src/shared/item-events.js';
import type { RunMetadata } from '../../src/shared/metadata-schema.js';

const RUN = '20261201-000000-000-abcdef';
const at = (s: number): string => new Date(Date.parse('2026-12-01T00:00:00.000Z') + s * 1000).toISOString();
const err = (code: string) => ({ code, message: `${code} happened`, exit_code: 1, signal: null, stack: null, at: at(0) });

function fold(bodies: RunEventBody[]): RunMetadata {
  let state: RunMetadata | null = applyEvent(null, {
    type: 'run.created', seq: 1, run_id: RUN, at: at(0), pipeline: 'p', params: {},
    stages: [{ id: 'tts', optional: false, max_attempts: 2, outputs: [], needs: [] }],
  });
  bodies.forEach((body, i) => {
    state = applyEvent(state, { ...body, seq: i + 2, run_id: RUN, at: at(i + 1) } as RunEvent);
  });
  return state as unknown as RunMetadata;
}

const START: RunEventBody[] = [{ type: 'run.started' }, { type: 'stage.started', stage: 0, attempt: 1, pgid: null }, { type: 'stage.items', stage: 0, total: 5 }];

describe('a fan-out’s items through the reducer', () => {
  it('counts succeeded, keeps the running and failed ones, and makes the items succeeded the stage’s progress', () => {
    const state = fold([
      ...START,
      { type: 'item.started', stage: 0, item: 0, attempt: 1 },
      { type: 'item.started', stage: 0, item: 1, attempt: 1 },
      { type: 'item.succeeded', stage: 0, item: 0 },
      { type: 'item.retrying', stage: 0, item: 1, error: err('ERR_STAGE_EXIT'), next_attempt_at: at(9) },
      { type: 'item.started', stage: 0, item: 1, attempt: 2 },
      { type: 'item.started', stage: 0, item: 2, attempt: 1 },
      { type: 'item.failed', stage: 0, item: 2, error: err('ERR_STAGE_EXIT') },
    ]);
    const items = state.stages[0]?.items;
    expect(items).toMatchObject({ total: 5, next: 3, succeeded: 1, failed: [{ index: 2, attempts: 1, code: 'ERR_STAGE_EXIT' }] });
    expect(items?.running).toEqual([{ index: 1, attempt: 2, started_at: at(8), next_attempt_at: null }]);
    expect(state.stages[0]?.progress).toMatchObject({ current: 1, total: 5 });
    // A resume runs the failed item, the one running when it stopped, and those never started.
    expect(itemsToRun(items as NonNullable<typeof items>)).toEqual([1, 2, 3, 4]);
  });

  it('turns running items into failed ones when the run is interrupted, and keeps what succeeded across a resume', () => {
    const interrupted = fold([
      ...START,
      { type: 'item.started', stage: 0, item: 0, attempt: 1 },
      { type: 'item.succeeded', stage: 0, item: 0 },
      { type: 'item.started', stage: 0, item: 1, attempt: 1 },
      { type: 'run.interrupted', error: err('ERR_INTERRUPTED') },
      { type: 'run.queued', reason: 'resume' },
      { type: 'run.started' },
      { type: 'stage.started', stage: 0, attempt: 1, pgid: null },
      { type: 'stage.items', stage: 0, total: 5 },
    ]);
    expect(interrupted.stages[0]?.items).toMatchObject({ next: 2, succeeded: 1, running: [], failed: [{ index: 1, code: 'ERR_INTERRUPTED' }] });
    expect(itemsToRun(interrupted.stages[0]?.items as NonNullable<RunMetadata['stages'][0]['items']>)).toEqual([1, 2, 3, 4]);
  });

  it('starts over when the item count differs, and forgets the items on a reset', () => {
    const state = fold([...START, { type: 'item.started', stage: 0, item: 0, attempt: 1 }, { type: 'item.succeeded', stage: 0, item: 0 }, { type: 'stage.items', stage: 0, total: 7 }]);
    expect(state.stages[0]?.items).toMatchObject({ total: 7, next: 0, succeeded: 0 });
    const reset = fold([...START, { type: 'run.finished', status: 'failed', error: null }, { type: 'stage.reset', stage: 0, reason: 'reset --to tts' }]);
    expect(reset.stages[0]?.items).toBeNull();
  });

  it('ignores an item beyond the total, or of a stage with no items', () => {
    const state = fold([...START, { type: 'item.succeeded', stage: 0, item: 9 }]);
    expect(state.stages[0]?.items?.succeeded).toBe(0);
  });

  it('counts a resumed fan-out’s rate from what this going did: 50 items left are not “done in a moment”', async () => {
    const { stageRemainingMs } = await import('../../src/shared/eta.js');
    // 100 items: 50 succeeded, 50 failed in the first going; a resume starts at 1000 s and re-runs item 50 in 9 s.
    const first = Array.from({ length: 100 }, (_, item): RunEventBody[] => [
      { type: 'item.started', stage: 0, item, attempt: 1 },
      item < 50 ? { type: 'item.succeeded', stage: 0, item } : { type: 'item.failed', stage: 0, item, error: err('ERR_STAGE_EXIT') },
    ]).flat();
    const state = fold([...START.slice(0, 2), { type: 'stage.items', stage: 0, total: 100 }, ...first, { type: 'run.finished', status: 'failed', error: null }]);
    expect(state.stages[0]?.items).toMatchObject({ succeeded: 50, base: 0 });
    let resumed: RunMetadata | null = state;
    const more: RunEventBody[] = [{ type: 'run.queued', reason: 'resume' }, { type: 'run.started' }, { type: 'stage.started', stage: 0, attempt: 1, pgid: null }, { type: 'stage.items', stage: 0, total: 100 }];
    more.forEach((body, i) => {
      resumed = applyEvent(resumed, { ...body, seq: state.seq + i + 1, run_id: RUN, at: at(1000) } as RunEvent);
    });
    const stage = () => (resumed as RunMetadata).stages[0] as RunMetadata['stages'][0];
    expect(stage().items).toMatchObject({ succeeded: 50, base: 50 });
    // Just resumed, nothing done yet in this going: no figure from the rate, rather than "0 s left".
    expect(stageRemainingMs(stage(), Date.parse(at(1000)))).toBeNull();
    resumed = applyEvent(resumed, { type: 'item.started', stage: 0, item: 50, attempt: 1, seq: (resumed as RunMetadata).seq + 1, run_id: RUN, at: at(1000) } as RunEvent);
    resumed = applyEvent(resumed, { type: 'item.succeeded', stage: 0, item: 50, seq: (resumed as RunMetadata).seq + 1, run_id: RUN, at: at(1009) } as RunEvent);
    // One item in 9 s, 49 left: about 441 s.
    expect(stageRemainingMs(stage(), Date.parse(at(1009)))).toBe(441_000);
  });
});
