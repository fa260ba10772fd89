import { describe, expect, it } from 'vitest';
import type { Items } from '../../src/shared/metadata-schema.js';
import { itemMoved, itemOrder, itemWindow } from '../../src/tui/item-order.js';
import { handleKeys } from '../../src/tui/keymap.js';
import { RunRows } from '../../src/tui/run-rows.js';
import { clockTick, select, shownFiles } from '../../src/tui/selectors.js';
import { initialUi, type UiState } from '../../src/tui/ui-state.js';
import { T0, held, listed, states } from './run-states.js';

// A fan-out's item list as the keys see it: the order (failed, running, then by index) found from the stage's few
// counts, and the keys that open it, move in it and leave it.

const AT = '2026-11-24T10:00:00.000Z';
const failedItem = (index: number) => ({ index, attempts: 1, code: 'ERR_STAGE_EXIT', message: `boom ${index}` });
const runningItem = (index: number, retrying = false) => ({ index, attempt: 1, started_at: AT, next_attempt_at: retrying ? AT : null });
// 12 items: 0-5 started (2 and 4 failed, 5 running, 3 waiting to retry), 6-11 pending.
const items: Items = { total: 12, next: 6, succeeded: 2, base: 0, running: [runningItem(5), runningItem(3, true)], failed: [failedItem(4), failedItem(2)] };

describe('the order of a fan-out item list', () => {
  it('is the failed, then the running, then the rest by index (the succeeded, then the pending)', () => {
    const order = itemOrder(items);
    const rows = Array.from({ length: order.length }, (_, i) => order.at(i));
    expect(rows.map((r) => r.index)).toEqual([2, 4, 3, 5, 0, 1, 6, 7, 8, 9, 10, 11]);
    expect(rows.map((r) => r.status)).toEqual(['failed', 'failed', 'retrying', 'running', 'succeeded', 'succeeded', ...Array(6).fill('pending')]);
    expect(rows[0]?.failed?.message).toBe('boom 2');
    // placeOf answers at: every item has exactly one place.
    for (const [place, row] of rows.entries()) expect(order.placeOf(row.index)).toBe(place);
  });

  it('finds a row of 100 000 items by its place without walking them', () => {
    const failed = Array.from({ length: 500 }, (_, i) => failedItem(i * 97));
    const big: Items = { total: 100_000, next: 60_000, succeeded: 59_000, base: 0, running: [runningItem(59_999)], failed };
    const order = itemOrder(big);
    const started = performance.now();
    for (let place = 0; place < big.total; place += 997) expect(order.at(order.placeOf(order.at(place).index)).index).toBe(order.at(place).index);
    expect(order.at(501)).toMatchObject({ index: 1, status: 'succeeded' });
    expect(order.at(big.total - 1)).toMatchObject({ index: 99_999, status: 'pending' });
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('moves within the list, keeping the window on the chosen row', () => {
    const order = itemOrder(items);
    expect(itemMoved(order, null, 0)).toBe(2);
    expect(itemMoved(order, 2, 1)).toBe(4);
    expect(itemMoved(order, 2, -5)).toBe(2);
    expect(itemMoved(order, 0, 100)).toBe(11);
    expect(itemMoved(itemOrder({ ...items, total: 0, next: 0, running: [], failed: [] }), null, 1)).toBeNull();
    expect(itemWindow(10_000, 0, 7)).toEqual({ first: 0, rows: 7 });
    expect(itemWindow(10_000, 5000, 7)).toEqual({ first: 4997, rows: 7 });
    expect(itemWindow(10_000, 9999, 7)).toEqual({ first: 9993, rows: 7 });
    expect(itemWindow(3, 2, 7)).toEqual({ first: 0, rows: 3 });
  });
});

const run = { status: 'running' as const, pipeline: 'p', pipeline_file: null, params: {} };
const ctx = { runs: RunRows.of([listed('r2'), listed('r1')]), selectedId: 'r2', status: run.status, run, stageCount: 5, stageIndex: 1, entityCount: 0, entityLines: 0, pageRows: 10, listRows: 4, daemonUp: true, pipelines: [], user: 'ada', items, itemRows: 3 };
const key = (state: UiState, input: string, flags = {}) => handleKeys(state, input, flags, ctx).state;

describe('the keys of a fan-out item list', () => {
  it('Enter on a fan-out stage opens its items on the first failed one, pinning the run and the stage; l still shows its log', () => {
    const open = key(initialUi, '', { return: true });
    expect(open).toMatchObject({ overlay: 'items', item: 2, selectedId: 'r2', showLog: false });
    expect(open.runs.r2?.stage).toBe(1);
    expect(key(initialUi, 'l').showLog).toBe(true);
    // A plain stage: Enter shows its log, as ever.
    expect(handleKeys(initialUi, '', { return: true }, { ...ctx, items: null }).state).toMatchObject({ overlay: null, showLog: true });
  });

  it('moves with ↑ ↓ j k, a page with PgUp PgDn, to the ends with Home End g G; Esc, q and Enter go back', () => {
    const open = key(initialUi, '', { return: true });
    expect(key(open, '', { downArrow: true }).item).toBe(4);
    expect(key(key(open, 'j'), 'k').item).toBe(2);
    expect(key(open, '', { pageDown: true }).item).toBe(5);
    expect(key(key(open, '', { pageDown: true }), '', { pageUp: true }).item).toBe(2);
    expect(key(open, 'G').item).toBe(11);
    expect(key(open, '', { end: true }).item).toBe(11);
    expect(key(key(open, 'G'), '', { home: true }).item).toBe(2);
    for (const leave of [key(open, '', { escape: true }), key(open, 'q'), key(open, '', { return: true })]) expect(leave.overlay).toBeNull();
    // q leaves the list, it does not quit.
    expect(handleKeys(open, 'q', {}, ctx).effects).toEqual([]);
  });
});

describe('what the item list shows of the run folder', () => {
  it("names the chosen item's log beside its stage's, and none for a stage id that could point elsewhere", () => {
    const run = states.running();
    const view = select(RunRows.of([held(run)]), { ...initialUi, overlay: 'items', item: 7 });
    expect(shownFiles('/ws', view, 7).log).toBe(`/ws/runs/${run.run_id}/logs/01_research/item-00007.log`);
    expect(shownFiles('/ws', view).log).toBe(`/ws/runs/${run.run_id}/logs/01_research.log`);
    const evil = { ...run, stages: run.stages.map((s) => (s.index === 1 ? { ...s, id: '../../etc' } : s)) };
    expect(shownFiles('/ws', select(RunRows.of([held(evil)]), initialUi), 7).log).toBeNull();
  });

  it('ticks the clock every second while the list shows a moving run, not at all for a finished one', () => {
    const ui = { ...initialUi, overlay: 'items' as const };
    expect(clockTick(select(RunRows.of([held(states.running())]), ui), ui, 5, T0)).toBe(1000);
    expect(clockTick(select(RunRows.of([held(states.failed())]), ui), ui, 5, T0)).toBeNull();
  });
});
