import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PipeError } from '../../src/shared/errors.js';
import type { RunMetadata } from '../../src/shared/metadata-schema.js';
import type { RunRead } from '../../src/workspace/run-reader.js';
import { type RunEntry, entryId, entryOfRun } from '../../src/tui/run-entries.js';
import { filterRuns } from '../../src/tui/matching.js';
import { RunRows } from '../../src/tui/run-rows.js';
import { keyContext, listRuns, select as selectRows, shownFiles } from '../../src/tui/selectors.js';
import type { UiState } from '../../src/tui/ui-state.js';
import { initialUi } from '../../src/tui/ui-state.js';
import { held, listed, runFrom, states } from './run-states.js';

const withId = (run: RunMetadata, runId: string): RunMetadata => ({ ...run, run_id: runId });
const select = (entries: RunEntry[], ui: UiState, detail?: RunRead | null) => selectRows(RunRows.of(entries), ui, detail);
const NEW = '20261124-110000-000-new111';
const OLD = '20261124-100000-000-old000';
const BROKEN = '20261124-090000-000-broken';

const entries = (): RunEntry[] => [
  held(withId(states.running(), NEW)),
  held(withId(states.failed(), OLD)),
  { ok: false, runId: BROKEN, error: new PipeError('ERR_METADATA_CORRUPT', 'not JSON') },
];

describe('select: what the screen shows', () => {
  it('selects the newest run when none is chosen, or the chosen one is no longer listed', () => {
    expect(select(entries(), initialUi).selectedId).toBe(NEW);
    expect(select(entries(), { ...initialUi, selectedId: '20200101-000000-000-gone00' }).selectedId).toBe(NEW);
    expect(select(entries(), { ...initialUi, selectedId: OLD }).selectedId).toBe(OLD);
    expect(select([], initialUi)).toMatchObject({ selectedId: null, run: null, stage: null, failed: null });
  });

  it("follows the run's current stage unless one is chosen, and keeps a chosen one within the stages", () => {
    const view = select(entries(), initialUi);
    expect(view.stageIndex).toBe(1);
    expect(view.stage?.id).toBe('research');
    expect(select(entries(), { ...initialUi, runs: { [NEW]: { stage: 0, logTop: null } } }).stage?.id).toBe('prepare');
    expect(select(entries(), { ...initialUi, runs: { [NEW]: { stage: 99, logTop: null } } }).stage?.id).toBe('package');
  });

  it('gives the error panel a failed, cancelled or interrupted run with an error, and nothing else', () => {
    expect(select(entries(), { ...initialUi, selectedId: OLD }).failed?.run_id).toBe(OLD);
    expect(select([held(states.cancelled())], initialUi).failed).not.toBeNull();
    expect(select([held(states.interrupted())], initialUi).failed).not.toBeNull();
    expect(select(entries(), initialUi).failed).toBeNull();
    expect(select([held(states.awaiting())], initialUi).failed).toBeNull();
  });

  it('a corrupt run is selected as an entry with no run to show', () => {
    const view = select(entries(), { ...initialUi, selectedId: BROKEN });
    expect(view.entry).toMatchObject({ ok: false, error: { code: 'ERR_METADATA_CORRUPT' } });
    expect(view.unreadable).toMatchObject({ runId: BROKEN, error: { code: 'ERR_METADATA_CORRUPT' } });
    expect(view.run).toBeNull();
  });

  it('shows a finished run listed by its listing alone from the state read for it, and what it reads as', () => {
    const list = [listed(OLD)];
    const before = select(list, initialUi);
    expect(before).toMatchObject({ selectedId: OLD, status: 'failed', run: null, stage: null, failed: null, unreadable: null });
    const read = select(list, initialUi, { ok: true, run: withId(states.failed(), OLD) });
    expect(read).toMatchObject({ run: { run_id: OLD }, stage: { id: 'prepare' }, failed: { run_id: OLD } });
    const gone = select(list, initialUi, { ok: false, runId: OLD, error: new PipeError('ERR_RUN_NOT_FOUND', 'gone') });
    expect(gone).toMatchObject({ run: null, unreadable: { error: { code: 'ERR_RUN_NOT_FOUND' } } });
  });

  it('opens an entity only in the entity view', () => {
    const ui = { ...initialUi, selectedId: OLD, pick: 0 };
    expect(select(entries(), { ...ui, overlay: 'entity' }).entity?.filename).toBe('01_error.json');
    expect(select(entries(), { ...ui, overlay: 'entities' }).entity).toBeNull();
  });
});

describe('shownFiles: the files behind the screen', () => {
  const ws = '/ws';
  it("names the selected stage's log, the failed stage's log and the opened entity inside the run's folder", () => {
    const view = select(entries(), { ...initialUi, selectedId: OLD, overlay: 'entity', pick: 0 });
    expect(shownFiles(ws, view)).toEqual({
      log: path.join(ws, 'runs', OLD, 'logs/00_prepare.log'),
      errorLog: path.join(ws, 'runs', OLD, 'logs/00_prepare.log'),
      entity: path.join(ws, 'runs', OLD, '01_error.json'),
    });
  });

  it('names no file for a record that could point elsewhere (a corrupt stage id or entity file name)', () => {
    const run = runFrom([{ type: 'run.started' }]);
    const evil: RunMetadata = {
      ...run,
      stages: run.stages.map((s, i) => (i === 0 ? { ...s, id: '../../etc' } : s)),
      entities: [{ sequence: 1, type: 'x', filename: '../../../etc/passwd', stage: null, timestamp: run.created_at, size: 1, metadata: {} }],
    };
    const view = select([held(evil)], { ...initialUi, overlay: 'entity', pick: 0 });
    expect(shownFiles(ws, view)).toEqual({ log: null, errorLog: null, entity: null });
  });

  it('hands the key handler the selection it acts on', () => {
    const list = RunRows.of(entries());
    const view = selectRows(list, { ...initialUi, selectedId: OLD });
    expect(keyContext(view, ['hello'], 'ana', { entityLines: 12, pageRows: 20, listRows: 6, daemonUp: true })).toEqual({
      runs: list,
      selectedId: OLD,
      status: 'failed',
      run: { status: 'failed', pipeline: 'podcast', pipeline_file: null, params: { topic: 'x' } },
      stageCount: 5,
      stageIndex: 0,
      items: null,
      itemRows: 1,
      entityCount: 1,
      entityLines: 12,
      pageRows: 20,
      listRows: 6,
      daemonUp: true,
      pipelines: ['hello'],
      user: 'ana',
    });
  });
});

describe('listRuns: the runs on disk with the feed laid over them', () => {
  const id = (n: number): string => `20261124-${String(100000 + n).padStart(6, '0')}-000-run${String(n).padStart(3, '0')}`;
  // 2 000 finished runs on disk, newest first, and two live runs: one the disk lists (older there), one new.
  const base = RunRows.of(Array.from({ length: 2000 }, (_, i) => listed(id(1999 - i))));
  const livePast = entryOfRun(withId(states.running(), id(1500)));
  const fresh = entryOfRun(withId(states.queued(), id(5000)));
  const ids = (list: RunRows) => list.toArray().map(entryId);

  it('lays live runs over the disk where the feed is as new or newer, inserting those the disk lacks, in id order', () => {
    const { all, shown } = listRuns(base, [fresh, livePast], '');
    expect(all).toBe(shown);
    expect(all).toHaveLength(2001);
    expect(all.at(0)).toBe(fresh);
    expect(all.at(all.indexOf(id(1500)))).toBe(livePast);
    expect(ids(all)).toEqual([...ids(all)].sort().reverse());
    // The disk newer than the feed (the feed lagging): the disk's entry stays.
    const ahead = listed(id(1500), { ...states.failed(), seq: 99 });
    const patched = base.patch(new Map([[id(1500), ahead]]));
    expect(listRuns(patched, [livePast], '').all.at(patched.indexOf(id(1500)))).toBe(ahead);
    // Nothing live: the disk's list itself, not a copy.
    expect(listRuns(base, [], '').all).toBe(base);
  });

  it('filters the disk once and the feed per call: a live run shows as it matches now', () => {
    const filtered = filterRuns(base, 'run15');
    expect(filtered).toHaveLength(110);
    const { shown } = listRuns(base, [livePast, fresh], 'run15', filtered);
    expect(shown).toHaveLength(110);
    expect(shown.toArray()).toContain(livePast);
    // By status: the live run (running) replaces a failed one on disk, which the search for "fail" no longer shows.
    const failing = listRuns(base, [livePast], 'fail');
    expect(failing.shown).toHaveLength(1999);
    expect(failing.shown.toArray()).not.toContain(livePast);
    expect(ids(listRuns(base, [livePast], 'running').shown)).toEqual([id(1500)]);
  });
});

describe('RunRows: the list as chunks', () => {
  const id = (n: number): string => `20261124-${String(100000 + n).padStart(6, '0')}-000-r${String(n).padStart(5, '0')}`;
  const rows = (n: number) => RunRows.of(Array.from({ length: n }, (_, i) => listed(id(n - 1 - i))));

  it('finds, windows and patches as a flat array would, sharing what a change leaves alone', () => {
    const list = rows(3000);
    expect(list).toHaveLength(3000);
    expect(list.indexOf(id(2999))).toBe(0);
    expect(list.indexOf(id(0))).toBe(2999);
    expect(list.indexOf(id(1234))).toBe(3000 - 1 - 1234);
    expect(list.indexOf('20200101-000000-000-nope00')).toBe(-1);
    expect(list.slice(510, 515).map(entryId)).toEqual([2489, 2488, 2487, 2486, 2485].map(id));
    // Replace one, remove one, insert a newest, an oldest and one in the middle (at a chunk's edge too).
    const changes = new Map<string, RunEntry | null>([
      [id(1000), listed(id(1000), states.cancelled())],
      [id(2000), null],
      [id(5000), listed(id(5000))],
      [`${id(0).slice(0, -6)}a00000`, listed(`${id(0).slice(0, -6)}a00000`)],
      [`${id(2487)}x`, listed(`${id(2487)}x`)],
    ]);
    const next = list.patch(changes);
    const flat = list.toArray().filter((e) => entryId(e) !== id(2000)).map((e) => (entryId(e) === id(1000) ? changes.get(id(1000)) : e)) as RunEntry[];
    flat.push(...[id(5000), `${id(0).slice(0, -6)}a00000`, `${id(2487)}x`].map((x) => changes.get(x) as RunEntry));
    flat.sort((a, b) => (entryId(a) < entryId(b) ? 1 : -1));
    expect(next.toArray()).toEqual(flat);
    for (const [i, entry] of flat.entries()) expect(next.indexOf(entryId(entry))).toBe(i);
    expect(list).toHaveLength(3000); // unchanged
    expect(list.patch(new Map([[id(7), list.at(list.indexOf(id(7))) as RunEntry]]))).toBe(list);
  });

  it('splits a chunk that grows, and drops one emptied', () => {
    let list = rows(10);
    for (let i = 0; i < 1200; i++) list = list.patch(new Map([[`${id(5)}-${String(i).padStart(4, '0')}`, listed(`${id(5)}-${String(i).padStart(4, '0')}`)]]));
    expect(list).toHaveLength(1210);
    expect(list.toArray().map(entryId)).toEqual(list.toArray().map(entryId).sort().reverse());
    expect(list.at(1209)).toBe(list.slice(1209)[0]);
    let empty = RunRows.of([listed(id(1))]).patch(new Map([[id(1), null]]));
    expect(empty).toHaveLength(0);
    empty = empty.patch(new Map([[id(2), listed(id(2))]]));
    expect(empty.toArray().map(entryId)).toEqual([id(2)]);
  });
});
