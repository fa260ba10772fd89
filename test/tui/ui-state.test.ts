import { describe, expect, it } from 'vitest';
import { filterPipelines, initialUi, uiReducer } from '../../src/tui/ui-state.js';
import { layout } from '../../src/tui/layout.js';

describe('uiReducer', () => {
  const ids = ['c', 'b', 'a'];
  it('moves through runs within bounds, from the newest', () => {
    let s = uiReducer(initialUi, { type: 'move', delta: 1, ids });
    expect(s.selectedId).toBe('b');
    s = uiReducer(s, { type: 'move', delta: 5, ids });
    expect(s.selectedId).toBe('a');
    s = uiReducer(s, { type: 'move', delta: -9, ids });
    expect(s.selectedId).toBe('c');
  });

  it('holds the log pane at a byte offset when scrolled back, and follows again on another stage or run', () => {
    let s = uiReducer(initialUi, { type: 'log-top', top: 4096 });
    expect(s.logTop).toBe(4096);
    s = uiReducer(s, { type: 'stage', delta: 1, count: 3, current: 0 });
    expect(s.logTop).toBeNull();
    s = uiReducer({ ...s, logTop: 10 }, { type: 'move', delta: 1, ids: ['a', 'b'] });
    expect(s.logTop).toBeNull();
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

describe('layout', () => {
  it('fits an 80x24 screen with a failed run and the log open', () => {
    const l = layout({ rows: 24, entries: 40, stages: 5, failed: true, showLog: true, note: true });
    const used = 1 + 1 + 1 + 1 + 1 + 5 + l.list + (l.errorLog + 4) + (l.log + 2);
    expect(used).toBeLessThanOrEqual(24);
    expect(l.list).toBeGreaterThanOrEqual(1);
    expect(l.log).toBeGreaterThanOrEqual(3);
  });

  it('gives a taller terminal more runs and more log', () => {
    const small = layout({ rows: 24, entries: 40, stages: 5, failed: false, showLog: true, note: false });
    const big = layout({ rows: 60, entries: 40, stages: 5, failed: false, showLog: true, note: false });
    expect(big.list).toBeGreaterThan(small.list);
    expect(big.log).toBeGreaterThan(small.log);
  });
});
