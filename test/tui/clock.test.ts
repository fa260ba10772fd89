import { describe, expect, it } from 'vitest';
import { type RunEntry, entryId } from '../../src/tui/run-entries.js';
import { RunRows } from '../../src/tui/run-rows.js';
import { clockTick, listWindow, select } from '../../src/tui/selectors.js';
import { type Overlay, type UiState, initialUi } from '../../src/tui/ui-state.js';
import { T0, held, listed, states } from './run-states.js';

// The one timer behind every age, duration and countdown on screen: how often it must tick for what is shown, and
// never when nothing shown depends on the time.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const finishedAt = (runId: string, ms: number): RunEntry => listed(runId, { ...states.failed(), created_at: new Date(T0 + ms).toISOString() });
const tick = (entries: RunEntry[], now: number, ui: Partial<UiState> = {}, rows = 8): number | null => {
  const state = { ...initialUi, ...ui };
  return clockTick(select(RunRows.of(entries), state), state, rows, now);
};

describe('clockTick', () => {
  const running: RunEntry = held(states.running());
  const recent = finishedAt('20261124-100000-000-recent', 0);

  it('ticks every second while a run on screen moves, or a finished one is less than a minute old (its age reads in seconds)', () => {
    expect(tick([running], T0 + 8000)).toBe(1000);
    expect(tick([recent], T0 + 22_000)).toBe(1000);
  });

  it('ticks every 15 s while ages under an hour are shown (they read in minutes)', () => {
    expect(tick([recent], T0 + 2 * MINUTE)).toBe(15_000);
    expect(tick([recent], T0 + 59 * MINUTE)).toBe(15_000);
  });

  it('ticks every 30 s while only ages of an hour or more are shown (they read in minutes)', () => {
    expect(tick([recent], T0 + HOUR + 1000)).toBe(30_000);
  });

  it('counts only the runs in the visible window', () => {
    const entries = [recent, ...Array.from({ length: 12 }, (_, i) => finishedAt(`20261124-0900${String(21 - i)}-000-old${String(i).padStart(3, '0')}`, -3 * HOUR))];
    const oldest = entries.at(-1);
    const id = oldest ? entryId(oldest) : null;
    expect(tick(entries, T0 + 1000, { selectedId: id }, 4)).toBe(30_000);
    expect(tick(entries, T0 + 1000, {}, 4)).toBe(1000);
  });

  it('ticks every second while the selected run moves, known from its listing alone (its state not read yet)', () => {
    expect(tick([listed('20261124-100000-000-abc123', states.running())], T0 + HOUR)).toBe(1000);
  });

  it('never ticks when nothing shown depends on the time', () => {
    expect(tick([], T0)).toBeNull();
    for (const overlay of ['help', 'picker', 'params', 'entities', 'entity'] as Overlay[]) expect(tick([running], T0 + 8000, { overlay })).toBeNull();
    expect(tick([recent], T0 + 1000, { overlay: 'stats' })).toBeNull();
    expect(tick([running], T0 + 8000, { overlay: 'stats' })).toBe(1000);
  });

  it('keeps ticking under the search prompt and the confirm question, over the list they leave visible', () => {
    expect(tick([recent], T0 + 1000, { overlay: 'search' })).toBe(1000);
    expect(tick([recent], T0 + 1000, { overlay: 'confirm' })).toBe(1000);
  });
});

describe('listWindow', () => {
  it('keeps the selection in view and counts the newer runs above it', () => {
    expect(listWindow(12, 0, 5)).toEqual({ first: 0, rows: 5, newer: 0 });
    // One row goes to the "↑ N newer" line once runs are above.
    expect(listWindow(12, 10, 5)).toEqual({ first: 8, rows: 4, newer: 8 });
    expect(listWindow(12, 11, 5)).toEqual({ first: 8, rows: 4, newer: 8 });
    expect(listWindow(3, 2, 5)).toEqual({ first: 0, rows: 3, newer: 0 });
  });
});
