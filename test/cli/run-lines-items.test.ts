import { describe, expect, it } from 'vitest';
import { applyEvent } from '../../src/shared/apply-event.js';
import type { RunEvent, RunEventBody } from '../../src/shared/events.js';
import type { RunMetadata } from '../../src/shared/metadata-schema.js';
import { eventLine } from '../../src/cli/run-lines.js';

const RUN = '20261201-000000-000-abcdef';
const at = (s: number): string => new Date(Date.parse('2026-12-01T00:00:00.000Z') + s * 1000).toISOString();

// The plain lines of `run --follow` into a pipe, for a fan-out of 20 items: one per tenth, not one per item.
describe('run lines of a fan-out', () => {
  it('says the items, each failure, the waits for a pool, and a line per tenth of the items done', () => {
    let state: RunMetadata | null = applyEvent(null, { type: 'run.created', seq: 1, run_id: RUN, at: at(0), pipeline: 'p', params: {}, stages: [{ id: 'fan', optional: false, max_attempts: 1, outputs: [], needs: [] }] });
    const lines: string[] = [];
    const bodies: RunEventBody[] = [
      { type: 'run.started' },
      { type: 'stage.started', stage: 0, attempt: 1, pgid: null },
      { type: 'stage.items', stage: 0, total: 20 },
      { type: 'stage.waiting', stage: 0, pool: 'gpu', size: 2 },
      { type: 'stage.waiting', stage: 0, pool: null, size: 0 },
      ...Array.from({ length: 20 }, (_, item): RunEventBody[] => [
        { type: 'item.started', stage: 0, item, attempt: 1 },
        item === 7
          ? { type: 'item.failed', stage: 0, item, error: { code: 'ERR_STAGE_EXIT', message: 'exited with code 3', exit_code: 3, signal: null, stack: null, at: at(1) } }
          : { type: 'item.succeeded', stage: 0, item },
      ]).flat(),
    ];
    bodies.forEach((body, i) => {
      const event = { ...body, seq: i + 2, run_id: RUN, at: at(i + 1) } as RunEvent;
      state = applyEvent(state, event);
      const line = eventLine(event, state as RunMetadata);
      if (line) lines.push(line);
    });
    expect(lines).toEqual([
      'run 20261201-000000-000-abcdef p: started (1 stages)',
      '[fan] started',
      '[fan] 20 items',
      '[fan] waiting for gpu (2 of 2 busy)',
      '[fan] items 2/20 ✔ 2',
      '[fan] items 4/20 ✔ 4',
      '[fan] items 6/20 ✔ 6',
      '[fan] item 7 failed: ERR_STAGE_EXIT: exited with code 3',
      '[fan] items 10/20 ✔ 9 ✖ 1',
      '[fan] items 12/20 ✔ 11 ✖ 1',
      '[fan] items 14/20 ✔ 13 ✖ 1',
      '[fan] items 16/20 ✔ 15 ✖ 1',
      '[fan] items 18/20 ✔ 17 ✖ 1',
      '[fan] items 20/20 ✔ 19 ✖ 1',
    ]);
  });
});
