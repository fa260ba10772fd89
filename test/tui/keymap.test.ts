import { describe, expect, it } from 'vitest';
import { handleKeys } from '../../src/tui/keymap.js';
import { type UiState, initialUi } from '../../src/tui/ui-state.js';
import { RunRows } from '../../src/tui/run-rows.js';
import { listed } from './run-states.js';

const run = { status: 'running' as const, pipeline: 'podcast', pipeline_file: null, params: {} };
const runs = RunRows.of(['r9', 'r8', 'r7', 'r6', 'r5', 'r4', 'r3', 'r2', 'r1'].map((id) => listed(id)));
const ctx = { runs, selectedId: 'r3', status: run.status, run, stageCount: 5, stageIndex: 2, entityCount: 2, entityLines: 0, pageRows: 10, listRows: 4, daemonUp: true, pipelines: ['podcast', 'hello', 'archive'], user: 'ada' };

describe('handleKeys', () => {
  it('takes a burst of typed-ahead keys one by one: n, g… Enter starts the match', () => {
    const result = handleKeys(initialUi, 'nhe\r', {}, ctx);
    expect(result.state.overlay).toBeNull();
    expect(result.effects).toEqual([{ type: 'command', body: { command: 'run', pipeline: 'hello', params: {} }, done: 'started hello', select: true }]);
  });

  it('asks before cancelling: c then y cancels, c then anything else does not', () => {
    const asked = handleKeys(initialUi, 'c', {}, ctx);
    expect(asked.state.overlay).toBe('confirm');
    expect(handleKeys(asked.state, 'y', {}, ctx).effects).toEqual([{ type: 'command', body: { command: 'cancel', run_id: 'r3' }, done: 'cancelled' }]);
    expect(handleKeys(asked.state, 'n', {}, ctx).effects).toEqual([]);
  });

  it('resumes with r y, approves with a y as the user, quits with q', () => {
    const failed = { ...ctx, status: 'failed' as const, run: { ...run, status: 'failed' as const } };
    const waiting = { ...ctx, status: 'awaiting_approval' as const, run: { ...run, status: 'awaiting_approval' as const } };
    expect(handleKeys(initialUi, 'ry', {}, failed).effects[0]).toMatchObject({ body: { command: 'resume', run_id: 'r3' } });
    expect(handleKeys(initialUi, 'ay', {}, waiting).effects[0]).toMatchObject({ body: { command: 'approve', run_id: 'r3', by: 'ada' } });
    expect(handleKeys(initialUi, 'q', {}, ctx).effects).toEqual([{ type: 'exit' }]);
  });

  it('moves with j/k and arrows, opens help with ?, toggles the log with l, follows with f or End, pages with PgUp, PgDn, Home', () => {
    const open: UiState = { ...initialUi, showLog: true, runs: { r3: { stage: null, logTop: 120 } } };
    expect(handleKeys(initialUi, 'j', {}, ctx).state.selectedId).toBe('r2');
    expect(handleKeys(initialUi, '', { downArrow: true }, ctx).state.selectedId).toBe('r2');
    expect(handleKeys(initialUi, 'k', {}, ctx).state.selectedId).toBe('r4');
    expect(handleKeys(initialUi, '?', {}, ctx).state.overlay).toBe('help');
    expect(handleKeys(initialUi, 'l', {}, ctx).state.showLog).toBe(true);
    expect(handleKeys(open, 'f', {}, ctx).state.runs.r3?.logTop).toBeNull();
    expect(handleKeys(open, '', { end: true }, ctx).state.runs.r3?.logTop).toBeNull();
    // Paging needs the file: an effect, answered later with the new top.
    expect(handleKeys(open, '', { pageUp: true }, ctx).effects).toEqual([{ type: 'log-page', move: 'up', runId: 'r3' }]);
    expect(handleKeys(open, '', { pageDown: true }, ctx).effects).toEqual([{ type: 'log-page', move: 'down', runId: 'r3' }]);
    expect(handleKeys(open, '', { home: true }, ctx).effects).toEqual([{ type: 'log-page', move: 'top', runId: 'r3' }]);
  });

  it('opens the params form with Tab in the picker, edits the picked field, and starts the run with them', () => {
    const picker = handleKeys(initialUi, 'n', {}, ctx).state;
    expect(handleKeys(picker, '', { tab: true }, ctx).effects).toEqual([{ type: 'open-form', pipeline: 'podcast' }]);
    const form = { pipeline: 'podcast', fields: [{ name: 'topic', value: 'rain', description: null }, { name: 'voice', value: 'a', description: null }] };
    let s: UiState = { ...initialUi, overlay: 'params', form, pick: 0 };
    s = handleKeys(s, 'bows', {}, ctx).state;
    s = handleKeys(s, '', { backspace: true }, ctx).state;
    // A burst over a slow link: Backspace arrives as DEL among the other characters.
    s = handleKeys(s, 'x\x7f', {}, ctx).state;
    s = handleKeys(s, '', { tab: true }, ctx).state;
    s = handleKeys(s, 'b', {}, ctx).state;
    expect(s.form?.fields.map((f) => f.value)).toEqual(['rainbow', 'ab']);
    const started = handleKeys(s, '', { return: true }, ctx);
    expect(started.effects).toEqual([{ type: 'command', body: { command: 'run', pipeline: 'podcast', params: { topic: 'rainbow', voice: 'ab' } }, done: 'started podcast', select: true }]);
    expect(started.state.overlay).toBeNull();
    expect(handleKeys(s, '', { escape: true }, ctx).state.overlay).toBe('picker');
  });

  it('with the log closed, PgDn and PgUp move the selection by a page of the list (its rows), within its ends', () => {
    const at = (id: string) => ({ ...ctx, selectedId: id });
    const down = handleKeys(initialUi, '', { pageDown: true }, at('r9'));
    expect(down.effects).toEqual([]);
    expect(down.state.selectedId).toBe('r5');
    expect(handleKeys(down.state, '', { pageDown: true }, at('r5')).state.selectedId).toBe('r1');
    expect(handleKeys(initialUi, '', { pageDown: true }, at('r3')).state.selectedId).toBe('r1');
    expect(handleKeys(initialUi, '', { pageUp: true }, at('r3')).state.selectedId).toBe('r7');
    expect(handleKeys(initialUi, '', { pageUp: true }, at('r7')).state.selectedId).toBe('r9');
  });

  it('does nothing to a run when none is selected', () => {
    expect(handleKeys(initialUi, 'ry', {}, { ...ctx, selectedId: null }).effects).toEqual([]);
  });
});
