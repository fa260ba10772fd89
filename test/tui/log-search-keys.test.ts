import { describe, expect, it } from 'vitest';
import { FAILURE_SEARCH, findStatus, formatCount } from '../../src/tui/find-state.js';
import { type FindFacts, type KeyContext, handleKeys } from '../../src/tui/keymap.js';
import { markSpans } from '../../src/tui/marks.js';
import { RunRows } from '../../src/tui/run-rows.js';
import { type UiState, initialUi, uiReducer } from '../../src/tui/ui-state.js';
import { listed } from './run-states.js';

// The log search's keys, decided without a terminal: `/` searches the log while it is open (the runs while it is
// closed), n / N go through the matches only while a search is kept (n is otherwise still a new run), & pages the
// matching lines, E opens the log at the failure, y / Y copy, g / G go to the log's ends.

const run = { status: 'failed' as const, pipeline: 'train', pipeline_file: null, params: {} };
const facts: FindFacts = { busy: false, counted: 40, shown: 10, at: 3 };
const ctx: KeyContext = {
  runs: RunRows.of(['r3', 'r2', 'r1'].map((id) => listed(id))), selectedId: 'r2', status: run.status, run, stageCount: 3, stageIndex: 1,
  entityCount: 0, entityLines: 0, pageRows: 10, listRows: 4, daemonUp: true, pipelines: ['train', 'hello'], user: 'ada', find: facts,
};
const open: UiState = { ...initialUi, showLog: true };
const kept: UiState = { ...open, find: { ...open.find, kept: { text: 'needle', regex: false } } };
const press = (ui: UiState, input: string, key = {}, context: KeyContext = ctx) => handleKeys(ui, input, key, context);

describe('the log pane search keys', () => {
  it('/ searches the runs while the log is closed, the log while it is open; typing goes to the prompt', () => {
    expect(press(initialUi, '/').state.overlay).toBe('search');
    const prompt = press(open, '/needl').state;
    expect(prompt.overlay).toBe('find');
    expect(prompt.find.text).toBe('needl');
    expect(prompt.filter).toBe('');
    // Tab switches to a regular expression; Backspace deletes; on an empty prompt it closes it.
    const regex = press(prompt, '', { tab: true }).state;
    expect(regex.find.regex).toBe(true);
    expect(press(regex, '', { backspace: true }).state.find.text).toBe('need');
    expect(press(press(open, '/').state, '', { backspace: true }).state.overlay).toBeNull();
  });

  it('Enter keeps the search and looks for its next match from the view; a bad regex says why and stays', () => {
    const entered = press(open, '/needle\r');
    expect(entered.state.overlay).toBeNull();
    expect(entered.state.find.kept).toEqual({ text: 'needle', regex: false });
    expect(entered.effects).toEqual([{ type: 'log-find', runId: 'r2', move: 'first', search: { text: 'needle', regex: false } }]);
    const bad = press(press(open, '/(', {}).state, '', { tab: true });
    const refused = press(bad.state, '', { return: true });
    expect(refused.state.overlay).toBe('find');
    expect(refused.state.note).toMatch(/not a regular expression/);
    expect(refused.effects).toEqual([]);
    // Esc closes the prompt and forgets the search, stopping a search that reads.
    const closed = press(press(kept, '/x').state, '', { escape: true });
    expect(closed.state.find.kept).toBeNull();
    expect(closed.effects).toEqual([{ type: 'find-stop' }]);
  });

  it('n and N go through the matches while a search is kept; without one, n is a new run', () => {
    expect(press(kept, 'n').effects).toEqual([{ type: 'log-find', runId: 'r2', move: 'next', search: { text: 'needle', regex: false } }]);
    expect(press(kept, 'N').effects[0]).toMatchObject({ type: 'log-find', move: 'prev' });
    expect(press(open, 'n').state.overlay).toBe('picker');
    expect(press(open, 'N').effects).toEqual([]);
  });

  it('Esc stops a search that reads, then forgets the search, then clears the run filter', () => {
    const busy = { ...ctx, find: { ...facts, busy: true } };
    expect(press(kept, '', { escape: true }, busy).effects).toEqual([{ type: 'find-stop' }]);
    const filtered = { ...kept, filter: 'fail' };
    const forgot = press(filtered, '', { escape: true }).state;
    expect(forgot.find.kept).toBeNull();
    expect(forgot.filter).toBe('fail');
    expect(press(forgot, '', { escape: true }).state.filter).toBe('');
  });

  it('& shows the matching lines from the current match, pages them by what the page shows, + and - set the context', () => {
    expect(press(open, '&').state.note).toMatch(/search with \/ first/);
    const filter = press(kept, '&').state;
    expect(filter.find).toMatchObject({ filter: true, top: 3 });
    const at = (ui: UiState) => ui.find.top;
    expect(at(press(filter, '', { pageDown: true }).state)).toBe(13);
    expect(at(press(filter, '', { pageUp: true }).state)).toBe(0);
    expect(at(press(filter, 'n').state)).toBe(4);
    expect(at(press(filter, 'N').state)).toBe(2);
    expect(at(press(filter, 'G').state)).toBe(30);
    expect(at(press(filter, 'g').state)).toBe(0);
    // Never past the last match counted.
    expect(at(press({ ...filter, find: { ...filter.find, top: 39 } }, '', { pageDown: true }).state)).toBe(39);
    expect(press(filter, '++++++++').state.find.context).toBe(5);
    expect(press(filter, '+-').state.find.context).toBe(0);
    // & again: the log, at the match that was at the filter's top.
    const back = press(filter, '&');
    expect(back.state.find.filter).toBe(false);
    expect(back.effects).toEqual([{ type: 'log-find', runId: 'r2', move: 'index', search: { text: 'needle', regex: false }, index: 3 }]);
  });

  it('E opens the log at the failure and keeps its pattern for n / N; y and Y copy; g and G are the log ends', () => {
    const e = press(initialUi, 'E');
    expect(e.state.showLog).toBe(true);
    expect(e.state.find.kept).toEqual(FAILURE_SEARCH);
    expect(e.effects).toEqual([{ type: 'log-find', runId: 'r2', move: 'failure', search: FAILURE_SEARCH }]);
    expect(press(open, 'y').effects).toEqual([{ type: 'copy', page: false }]);
    expect(press(open, 'Y').effects).toEqual([{ type: 'copy', page: true }]);
    expect(press(initialUi, 'y').effects).toEqual([]);
    expect(press(open, 'g').effects).toEqual([{ type: 'log-page', move: 'top', runId: 'r2' }]);
    expect(press({ ...open, runs: { r2: { stage: null, logTop: 400 } } }, 'G').state.runs.r2?.logTop).toBeNull();
    // With the log closed they still go through the runs.
    expect(press(initialUi, 'G').state.oldest).toBe(true);
  });

  it('a move of the view forgets the current match; forgetting the search leaves the filter view', () => {
    let ui = uiReducer(open, { type: 'log-top', runId: 'r2', top: 100, match: 180 });
    expect(ui.runs.r2).toEqual({ stage: null, logTop: 100, match: 180 });
    ui = uiReducer(ui, { type: 'log-top', runId: 'r2', top: 0 });
    expect(ui.runs.r2?.match).toBeNull();
    const filtering = uiReducer(uiReducer(kept, { type: 'find-filter', on: true }), { type: 'find-keep', search: null });
    expect(filtering.find).toMatchObject({ kept: null, filter: false });
  });
});

describe('what the footer says of a search, and the marks on screen', () => {
  const p = { counted: 128, done: true, capped: false, progress: 1, at: 2, busy: null };
  it('counts, numbers the current match, says how far a search has read', () => {
    const search = { text: 'needle', regex: false };
    expect(findStatus(search, p, '…')).toBe('/needle  match 3 of 128');
    expect(findStatus(search, { ...p, at: null }, '…')).toBe('/needle  128 matches');
    expect(findStatus(search, { ...p, counted: 0, at: null }, '…')).toBe('/needle  no match');
    expect(findStatus(search, { ...p, counted: 10_000, capped: true }, '…')).toBe('/needle  match 3 of 10 000+');
    expect(findStatus(search, { ...p, done: false, progress: 0.43 }, '…')).toBe('/needle  match 3 of 128+, counting… 43%');
    expect(findStatus(search, { ...p, done: false, progress: 0.05, counted: 0, at: null }, '…')).toBe('/needle  counting… 5%');
    expect(findStatus({ text: 'a.c', regex: true }, { ...p, busy: 0.431 }, '...')).toBe('/re:a.c  searching... 43% (Esc stops)');
    expect(findStatus(FAILURE_SEARCH, p, '…')).toBe('failure lines  match 3 of 128');
    expect(formatCount(1_234_567)).toBe('1 234 567');
  });

  it('marks the parts of a line that match, across its styled spans', () => {
    const red = { fg: 'red' as const, bg: null, bold: false, dim: false, italic: false, underline: false, inverse: false };
    const spans = [{ text: 'an ERR_', style: red }, { text: 'X here', style: null }];
    expect(markSpans(spans, [[3, 8]])).toEqual([
      { text: 'an ', style: red },
      { text: 'ERR_', style: red, mark: true },
      { text: 'X', style: null, mark: true },
      { text: ' here', style: null },
    ]);
  });
});
