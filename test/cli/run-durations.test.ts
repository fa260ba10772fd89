import { describe, expect, it } from 'vitest';
import { applyEvent } from '../../src/shared/apply-event.js';
import type { RunEvent } from '../../src/shared/events.js';
import type { RunMetadata } from '../../src/shared/metadata-schema.js';
import { frame } from '../../src/cli/live-view.js';
import { eventLine, runSummary } from '../../src/cli/run-lines.js';

const RUN = '20261124-055547-316-2z8tdp';
const T0 = Date.parse('2026-11-24T05:55:47.000Z');
// A duration below zero, as formatDuration would write it (the run id's dashes are not one).
const NEGATIVE = /-\d+(\.\d+)?(ms|s)\b/;
const at = (ms: number): string => new Date(T0 + ms).toISOString();

// A run folded from events, as the live view and the plain lines get it.
function fold(events: object[]): { state: RunMetadata; last: RunEvent } {
  let state: RunMetadata | null = null;
  let last: RunEvent | null = null;
  events.forEach((body, i) => {
    last = { ...body, run_id: RUN, seq: i + 1 } as RunEvent;
    state = applyEvent(state, last);
  });
  return { state: state as unknown as RunMetadata, last: last as unknown as RunEvent };
}

const created = { type: 'run.created', at: at(0), pipeline: 'p', params: {}, stages: [{ id: 'a', optional: false, max_attempts: 1, outputs: [] }] };

describe('durations on the command line are never negative', () => {
  it('the live view of a stage started "after now" (another clock, a clock stepped back) shows 0ms, not -500ms', () => {
    const { state } = fold([created, { type: 'run.started', at: at(1000) }, { type: 'stage.started', at: at(1000), stage: 0, attempt: 1, pgid: 1 }]);
    const rows = frame(state, T0 + 500).map((r) => r.text).join('\n');
    expect(rows).not.toMatch(NEGATIVE);
    expect(rows).toContain('0ms');
  });

  it('a stage or run that ended "before" it started (a clock stepped back) is told as 0ms in plain lines', () => {
    const { state, last } = fold([
      created,
      { type: 'run.started', at: at(1000) },
      { type: 'stage.started', at: at(1000), stage: 0, attempt: 1, pgid: 1 },
      { type: 'stage.succeeded', at: at(400), stage: 0, outputs: [] },
    ]);
    expect(eventLine(last, state)).toBe('[a] succeeded in 0ms');
    const ended = fold([created, { type: 'run.started', at: at(1000) }, { type: 'run.finished', at: at(300), status: 'succeeded', error: null }]).state;
    expect(runSummary(ended)).toBe(`run ${RUN} succeeded in 0ms`);
    expect(frame(ended, T0).map((r) => r.text).join('\n')).not.toMatch(NEGATIVE);
  });
});
