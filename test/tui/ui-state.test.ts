import { describe, expect, it } from 'vitest';
import { filterPipelines, initialUi, uiReducer } from '../../src/tui/ui-state.js';
import { layout } from '../../src/tui/layout.js';
import { RunRows } from '../../src/tui/run-rows.js';
import { listed } from './run-states.js';

describe('uiReducer', () => {
  const runs = RunRows.of(['c', 'b', 'a'].map((id) => listed(id)));
  it('moves through runs within bounds, from the newest', () => {
    let s = uiReducer(initialUi, { type: 'move', delta: 1, runs });
    expect(s.selectedId).toBe('b');
    s = uiReducer(s, { type: 'move', delta: 5, runs });
    expect(s.selectedId).toBe('a');
    s = uiReducer(s, { type: 'move', delta: -9, runs });
    expect(s.selectedId).toBe('c');
    expect(uiReducer(s, { type: 'jump', to: 'oldest' })).toMatchObject({ selectedId: null, oldest: true });
    expect(uiReducer(s, { type: 'jump', to: 'newest' })).toMatchObject({ selectedId: null, oldest: false });
  });

  it("holds a run's log pane at a byte offset when scrolled back, and follows again on another stage", () => {
    let s = uiReducer(initialUi, { type: 'log-top', runId: 'a', top: 4096 });
    expect(s.runs.a?.logTop).toBe(4096);
    s = uiReducer(s, { type: 'stage', runId: 'a', delta: 1, count: 3, current: 0 });
    expect(s.runs.a).toEqual({ stage: 1, logTop: null });
  });

  it('fades a note only if no newer one replaced it', () => {
    const first = uiReducer(initialUi, { type: 'note', note: 'one' });
    const second = uiReducer(first, { type: 'note', note: 'two' });
    expect(uiReducer(second, { type: 'note-fade', id: first.noteId }).note).toBe('two');
    expect(uiReducer(second, { type: 'note-fade', id: second.noteId }).note).toBeNull();
  });

  it('opens the picker with an empty query and keeps the pick inside the matches', () => {
    let s = uiReducer({ ...initialUi, query: 'x' }, { type: 'overlay', overlay: 'picker' });
    expect(s).toMatchObject({ overlay: 'picker', query: '', pick: 0 });
    s = uiReducer(s, { type: 'pick', delta: 5, count: 2 });
    expect(s.pick).toBe(1);
  });
});

it('filters pipelines by the typed letters in order', () => {
  expect(filterPipelines(['podcast', 'hello', 'archive'], 'pc')).toEqual(['podcast']);
  expect(filterPipelines(['podcast', 'hello', 'archive'], '')).toEqual(['podcast', 'hello', 'archive']);
  expect(filterPipelines(['podcast', 'hello', 'archive'], 'ho')).toEqual(['hello']);
});

it('grows the layout for a longer error and a wrapped note, never past the screen', () => {
  const short = layout({ rows: 24, entries: 40, stages: 5, error: 2, showLog: false, footer: 0 });
  const long = layout({ rows: 24, entries: 40, stages: 5, error: 6, showLog: false, footer: 3 });
  expect(long.errorLog + long.entities).toBeLessThan(short.errorLog + short.entities);
  const used = 1 + 1 + 3 + 1 + 1 + 5 + long.list + (1 + 6 + long.errorLog) + (long.entities ? long.entities : 0);
  expect(used).toBeLessThanOrEqual(24);
});

describe('layout', () => {
  it('fits an 80x24 screen with a failed run and the log open', () => {
    const l = layout({ rows: 24, entries: 40, stages: 5, error: 3, showLog: true, footer: 1 });
    const used = 1 + 1 + 1 + 1 + 1 + 5 + l.list + (l.errorLog + 4) + (l.log + 2);
    expect(used).toBeLessThanOrEqual(24);
    expect(l.list).toBeGreaterThanOrEqual(1);
    expect(l.log).toBeGreaterThanOrEqual(3);
  });

  it('gives a taller terminal more runs and more log', () => {
    const small = layout({ rows: 24, entries: 40, stages: 5, error: 0, showLog: true, footer: 0 });
    const big = layout({ rows: 60, entries: 40, stages: 5, error: 0, showLog: true, footer: 0 });
    expect(big.list).toBeGreaterThan(small.list);
    expect(big.log).toBeGreaterThan(small.log);
  });
});
