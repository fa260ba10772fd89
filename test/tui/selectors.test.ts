import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PipeError } from '../../src/shared/errors.js';
import type { RunMetadata } from '../../src/shared/metadata-schema.js';
import type { RunEntry } from '../../src/tui/run-entries.js';
import { keyContext, select, shownFiles } from '../../src/tui/selectors.js';
import { initialUi } from '../../src/tui/ui-state.js';
import { runFrom, states } from './run-states.js';

const withId = (run: RunMetadata, runId: string): RunMetadata => ({ ...run, run_id: runId });
const NEW = '20261124-110000-000-new111';
const OLD = '20261124-100000-000-old000';
const BROKEN = '20261124-090000-000-broken';

const entries = (): RunEntry[] => [
  { ok: true, run: withId(states.running(), NEW) },
  { ok: true, run: withId(states.failed(), OLD) },
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
    expect(select([{ ok: true, run: states.cancelled() }], initialUi).failed).not.toBeNull();
    expect(select([{ ok: true, run: states.interrupted() }], initialUi).failed).not.toBeNull();
    expect(select(entries(), initialUi).failed).toBeNull();
    expect(select([{ ok: true, run: states.awaiting() }], initialUi).failed).toBeNull();
  });

  it('a corrupt run is selected as an entry with no run to show', () => {
    const view = select(entries(), { ...initialUi, selectedId: BROKEN });
    expect(view.entry).toMatchObject({ ok: false, error: { code: 'ERR_METADATA_CORRUPT' } });
    expect(view.run).toBeNull();
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
    const view = select([{ ok: true, run: evil }], { ...initialUi, overlay: 'entity', pick: 0 });
    expect(shownFiles(ws, view)).toEqual({ log: null, errorLog: null, entity: null });
  });

  it('hands the key handler the selection it acts on', () => {
    const view = select(entries(), { ...initialUi, selectedId: OLD });
    expect(keyContext(view, ['hello'], 'ana', { entityLines: 12, pageRows: 20, daemonUp: true })).toEqual({
      ids: [NEW, OLD, BROKEN],
      selectedId: OLD,
      run: { status: 'failed', pipeline: 'podcast', pipeline_file: null, params: { topic: 'x' } },
      stageCount: 5,
      stageIndex: 0,
      entityCount: 1,
      entityLines: 12,
      pageRows: 20,
      daemonUp: true,
      pipelines: ['hello'],
      user: 'ana',
    });
  });
});
