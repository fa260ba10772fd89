import { describe, expect, it } from 'vitest';
import type { RunMetadata } from '../../src/shared/metadata-schema.js';
import { handleKeys } from '../../src/tui/keymap.js';
import { type RunEntry, entryId } from '../../src/tui/run-entries.js';
import { RunRows } from '../../src/tui/run-rows.js';
import { keyContext, listRuns, select as selectShown } from '../../src/tui/selectors.js';
import { type UiState, filterPipelines, initialUi, uiReducer } from '../../src/tui/ui-state.js';
import { held, listed, runFrom, states } from './run-states.js';

// The keys a newcomer presses in their first hour, decided without a terminal: each run keeps its own stage and
// log scroll, `/` searches instead of acting, commands ask first, and the list jumps to its ends.

const OLD = '20261124-090000-000-old000';
const MID = '20261124-100000-000-mid000';
const NEW = '20261124-110000-000-new111';
const withId = (run: RunMetadata, runId: string): RunMetadata => ({ ...run, run_id: runId });
const succeeded = (runId: string): RunMetadata =>
  runFrom(
    [
      { type: 'run.started' },
      ...[0, 1, 2, 3, 4].flatMap((stage) => [
        { type: 'stage.started' as const, stage, attempt: 1, pgid: stage + 1 },
        { type: 'stage.succeeded' as const, stage, outputs: [] },
      ]),
      { type: 'run.finished', status: 'succeeded', error: null },
    ],
    runId,
  );
const entry = (run: RunMetadata): RunEntry => held(run);
// The screen's selection over the runs the search lets through, as the App makes it.
const select = (entries: RunEntry[], ui: UiState) => selectShown(listRuns(RunRows.of(entries), [], ui.filter).shown, ui);
const ids = (entries: RunEntry[], ui: UiState) => select(entries, ui).entries.toArray().map(entryId);
const ctxOf = (entries: RunEntry[], ui: UiState) => keyContext(select(entries, ui), ['podcast', 'hello', 'archive'], 'ada', { listRows: 2 });
const press = (ui: UiState, entries: RunEntry[], input: string, key = {}) => handleKeys(ui, input, key, ctxOf(entries, ui));

describe('each run keeps its own selection', () => {
  it('a new run opens on its own current stage, and the run left keeps the stage chosen on it', () => {
    const a = entry(succeeded(OLD));
    let ui = initialUi;
    // On A (finished: its current stage is the last), ← twice chooses `summarize`.
    ui = press(ui, [a], '', { leftArrow: true }).state;
    ui = press(ui, [a], '', { leftArrow: true }).state;
    expect(select([a], ui).stage?.id).toBe('summarize');
    // B starts: the newest, so selected; it shows its running stage, not A's choice.
    const b = entry(withId(states.running(), NEW));
    expect(select([b, a], ui)).toMatchObject({ selectedId: NEW, stageIndex: 1 });
    // Back to A with j: the stage chosen there is still chosen.
    ui = press(ui, [b, a], 'j').state;
    expect(select([b, a], ui)).toMatchObject({ selectedId: OLD, stage: { id: 'summarize' } });
    // And up to B again: still its current stage.
    ui = press(ui, [b, a], 'k').state;
    expect(select([b, a], ui).stageIndex).toBe(1);
  });

  it('keeps a log scrolled back on one run while another is looked at', () => {
    let ui = uiReducer(initialUi, { type: 'log-top', runId: OLD, top: 4096 });
    ui = uiReducer(ui, { type: 'log-top', runId: NEW, top: null });
    const entries = [entry(withId(states.running(), NEW)), entry(succeeded(OLD))];
    expect(select(entries, { ...ui, selectedId: OLD }).logTop).toBe(4096);
    expect(select(entries, { ...ui, selectedId: NEW }).logTop).toBeNull();
    // Another stage of the same run follows its log's end again.
    ui = press({ ...ui, selectedId: OLD }, entries, '', { leftArrow: true }).state;
    expect(select(entries, ui).logTop).toBeNull();
  });

  it('selects a run started here once it is listed, and shows the one selected until then', () => {
    const entries = [entry(withId(states.running(), MID)), entry(succeeded(OLD))];
    let ui: UiState = { ...initialUi, selectedId: OLD };
    ui = uiReducer(ui, { type: 'await', id: NEW });
    expect(select(entries, ui).selectedId).toBe(OLD);
    expect(select([entry(withId(states.queued(), NEW)), ...entries], ui).selectedId).toBe(NEW);
  });

  it('starting a run from the picker asks for the new run to be selected', () => {
    const result = handleKeys(initialUi, 'nhe\r', {}, ctxOf([], initialUi));
    expect(result.effects).toEqual([{ type: 'command', body: { command: 'run', pipeline: 'hello', params: {} }, done: 'started hello', select: true }]);
  });
});

describe('/ searches the runs; stray letters act on nothing', () => {
  const entries = [entry(withId(states.awaiting(), NEW)), entry(withId(states.failed(), MID)), entry(succeeded(OLD))];

  it('typing /mani fast approves nothing and opens no picker: it is a search that matches no run', () => {
    const result = handleKeys(initialUi, '/mani', {}, ctxOf(entries, initialUi));
    expect(result.effects).toEqual([]);
    expect(result.state.overlay).toBe('search');
    expect(result.state.filter).toBe('mani');
    expect(ids(entries, result.state)).toEqual([]);
  });

  it('filters by pipeline, id or status as it is typed; Enter keeps the filter, Esc clears it', () => {
    let ui = press(initialUi, entries, '/');
    ui = handleKeys(ui.state, 'fail', {}, ctxOf(entries, ui.state));
    expect(ids(entries, ui.state)).toEqual([MID]);
    const kept = press(ui.state, entries, '', { return: true }).state;
    expect(kept.overlay).toBeNull();
    expect(ids(entries, kept)).toEqual([MID]);
    expect(ids(entries, press(kept, entries, '/').state)).toEqual([MID]);
    expect(ids(entries, press(press(kept, entries, '/').state, entries, '', { escape: true }).state)).toEqual([NEW, MID, OLD]);
    expect(ids(entries, { ...initialUi, filter: 'old0' })).toEqual([OLD]);
    expect(ids(entries, { ...initialUi, filter: 'PODCAST' })).toEqual([NEW, MID, OLD]);
    let typed = press(initialUi, entries, '/').state;
    typed = handleKeys(typed, 'x\x7f', {}, ctxOf(entries, typed)).state;
    expect(typed.filter).toBe('');
  });
});

describe('commands ask first', () => {
  const failed = [entry(withId(states.failed(), MID))];
  const waiting = [entry(withId(states.awaiting(), NEW))];
  const done = [entry(succeeded(OLD))];

  it('r resumes and a approves only after y; any other key keeps things as they are', () => {
    const r = press(initialUi, failed, 'r');
    expect(r.effects).toEqual([]);
    expect(r.state.overlay).toBe('confirm');
    expect(press(r.state, failed, 'y').effects).toEqual([{ type: 'command', body: { command: 'resume', run_id: MID }, done: 'resumed' }]);
    expect(press(r.state, failed, 'n')).toMatchObject({ effects: [], state: { overlay: null } });
    const a = press(initialUi, waiting, 'a');
    expect(a.effects).toEqual([]);
    expect(press(a.state, waiting, 'y').effects).toEqual([{ type: 'command', body: { command: 'approve', run_id: NEW, by: 'ada' }, done: 'approved' }]);
  });

  it('confirms for the run it asked about, even if the selection moved meanwhile', () => {
    const moving = [entry(withId(states.running(), MID))];
    const asked = press(initialUi, moving, 'c').state;
    const later = [entry(withId(states.running(), NEW)), ...moving];
    expect(press(asked, later, 'y').effects).toEqual([{ type: 'command', body: { command: 'cancel', run_id: MID }, done: 'cancelled' }]);
  });

  it('c on a finished run says it is finished instead of asking', () => {
    const c = press(initialUi, done, 'c');
    expect(c.state.overlay).toBeNull();
    expect(c.state.note).toMatch(/already finished \(succeeded\)/);
    expect(c.effects).toEqual([]);
  });

  it('R runs the selected run again, with its pipeline and params, after y; d deletes a finished run after y', () => {
    const run = { ...succeeded(OLD), pipeline_file: 'pipelines/podcast.yaml', params: { topic: 'rain' } };
    const asked = press(initialUi, [entry(run)], 'R');
    expect(asked.effects).toEqual([]);
    expect(press(asked.state, [entry(run)], 'y').effects).toEqual([
      { type: 'command', body: { command: 'run', pipeline: 'pipelines/podcast.yaml', params: { topic: 'rain' } }, done: 'started podcast again', select: true },
    ]);
    const del = press(initialUi, [entry(run)], 'd');
    expect(del.effects).toEqual([]);
    expect(press(del.state, [entry(run)], 'y').effects).toEqual([{ type: 'remove', runId: OLD }]);
    expect(press(del.state, [entry(run)], 'n').effects).toEqual([]);
    expect(press(initialUi, waiting, 'd').state.note).toMatch(/still awaiting_approval: cancel it \(c\) before deleting it/);
  });
});

describe('jumping through the list', () => {
  const entries = [entry(withId(states.running(), NEW)), entry(withId(states.failed(), MID)), entry(succeeded(OLD))];

  it('G and End (log closed) go to the oldest run, g and Home to the newest', () => {
    const oldest = press(initialUi, entries, 'G').state;
    expect(select(entries, oldest).selectedId).toBe(OLD);
    expect(select(entries, press(oldest, entries, 'g').state).selectedId).toBe(NEW);
    expect(select(entries, press(initialUi, entries, '', { end: true }).state).selectedId).toBe(OLD);
    expect(select(entries, press(oldest, entries, '', { home: true }).state).selectedId).toBe(NEW);
  });

  it('G pressed while only the newest runs are listed selects the oldest once every run is', () => {
    const newest = entries.slice(0, 2);
    const g = press(initialUi, newest, 'G').state;
    expect(select(newest, g).selectedId).toBe(MID);
    expect(select(entries, g).selectedId).toBe(OLD);
    // Moving from there picks runs as usual.
    expect(select(entries, press(g, entries, 'k').state).selectedId).toBe(MID);
  });

  it('PgDn and PgUp move a page of the list at a time; with the log open they page the log', () => {
    const many = [entry(withId(states.running(), NEW)), entry(withId(states.failed(), MID)), ...['5', '4', '3', '2', '1'].map((n) => listed(`20261124-08000${n}-000-old00${n}`))];
    const down = press(initialUi, many, '', { pageDown: true }).state;
    expect(select(many, down).selectedId).toBe('20261124-080005-000-old005');
    expect(select(many, press(down, many, '', { pageUp: true }).state).selectedId).toBe(NEW);
    expect(press({ ...initialUi, showLog: true }, many, '', { pageDown: true }).effects).toEqual([{ type: 'log-page', move: 'down', runId: NEW }]);
    // A page through the runs a search lets through.
    const searched = { ...initialUi, filter: 'old' };
    expect(select(many, press(searched, many, '', { pageDown: true }).state).selectedId).toBe('20261124-080003-000-old003');
  });

  it('with the log open, Home and End move through the log', () => {
    const open = { ...initialUi, showLog: true };
    expect(press(open, entries, '', { home: true }).effects).toEqual([{ type: 'log-page', move: 'top', runId: NEW }]);
    expect(select(entries, press(open, entries, '', { end: true }).state)).toMatchObject({ selectedId: NEW, logTop: null });
  });
});

describe('the entity viewer scrolls', () => {
  it('j/k, PgUp/PgDn, Home/End move through the content within its length; q and Esc go back to the list', () => {
    const run = states.failed();
    const ui: UiState = { ...initialUi, overlay: 'entity', selectedId: run.run_id };
    const ctx = { ...keyContext(select([entry(run)], ui), [], 'ada'), entityLines: 100, pageRows: 20 };
    const go = (s: UiState, input: string, key = {}) => handleKeys(s, input, key, ctx).state;
    expect(go(ui, 'j').scroll).toBe(1);
    expect(go(go(ui, 'j'), 'k').scroll).toBe(0);
    expect(go(ui, 'k').scroll).toBe(0);
    expect(go(ui, '', { pageDown: true }).scroll).toBe(20);
    expect(go(ui, '', { end: true }).scroll).toBe(80);
    expect(go(go(ui, '', { end: true }), '', { pageDown: true }).scroll).toBe(80);
    expect(go(go(ui, '', { end: true }), '', { home: true }).scroll).toBe(0);
    expect(go(ui, 'x').overlay).toBe('entity');
    expect(go(ui, 'q').overlay).toBe('entities');
    expect(go(ui, '', { escape: true }).overlay).toBe('entities');
  });
});

describe('the picker ranks its matches', () => {
  it('prefix, then word start, then substring, then letters in order', () => {
    expect(filterPipelines(['archive', 'hello', 'podcast'], 'he')).toEqual(['hello', 'archive']);
    expect(filterPipelines(['archive', 'ml-train', 'strain', 'tr-x', 'other'], 'tr')).toEqual(['tr-x', 'ml-train', 'strain', 'other']);
    expect(filterPipelines(['a-podcast', 'xpodcast', 'podcast'], 'pod')).toEqual(['podcast', 'a-podcast', 'xpodcast']);
    expect(filterPipelines(['b', 'a'], '')).toEqual(['b', 'a']);
  });
});
