import { appendFileSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type IndexEntry, indexLineText } from '../../src/shared/run-index-entry.js';
import { daemonPaths, runDir } from '../../src/workspace/layout.js';
import { type ListedRun, listNewestRuns, newestInIndex } from '../../src/workspace/run-listing.js';
import { removeWorkspaces, tempWorkspace } from '../helpers/workspace.js';

afterEach(removeWorkspaces);

const entry = (id: string, over: Partial<IndexEntry> = {}): IndexEntry => ({
  run_id: id, status: 'succeeded', pipeline: 'p', created_at: '2026-12-01T00:00:00.000Z', started_at: '2026-12-01T00:00:01.000Z',
  ended_at: '2026-12-01T00:00:02.000Z', current_state: { stage: 0, step: 'a', progress: '1/1' }, error: null, total_cost_usd: 0,
  eta_ms: null, seq: 5, active_ms: 1000, ...over,
});
const id = (n: number): string => `20261201-000000-${String(n).padStart(3, '0')}-abcdef`;
const ids = (runs: ListedRun[]): string[] => runs.map((r) => (r.ok ? r.run.run_id : r.runId));

async function workspace(runs: number): Promise<string> {
  const ws = await tempWorkspace();
  for (let n = 0; n < runs; n++) mkdirSync(runDir(ws, id(n)), { recursive: true });
  mkdirSync(daemonPaths(ws).dir, { recursive: true });
  return ws;
}

describe('listNewestRuns', () => {
  it('finds the newest runs whose lines lie far back, behind a megabyte of another run’s lines', async () => {
    const ws = await workspace(10);
    // The newest runs' lines first (queued long ago, finished quietly), then thousands of lines of run 0.
    const lines = [9, 8, 7, 6, 5, 4, 3, 2, 1].map((n) => indexLineText(entry(id(n))));
    const busy = indexLineText(entry(id(0), { status: 'running', ended_at: null, current_state: { stage: 0, step: 'a', progress: '0/1' } }));
    writeFileSync(daemonPaths(ws).runIndex, lines.join('') + busy.repeat(4000) + indexLineText(entry(id(0))));
    expect(ids(await listNewestRuns(ws, 3))).toEqual([id(9), id(8), id(7)]);
  });

  it('lists a folder made by hand after the index was last written (runs/ is newer than the index)', async () => {
    const ws = await workspace(30);
    writeFileSync(daemonPaths(ws).runIndex, Array.from({ length: 30 }, (_, n) => indexLineText(entry(id(n)), true)).join(''));
    const hand = id(99);
    mkdirSync(runDir(ws, hand));
    writeFileSync(`${runDir(ws, hand)}/metadata.json`, 'not json');
    // The index is older than runs/ by a clear margin, whatever the file system's clock granularity.
    const past = new Date(Date.now() - 60_000);
    utimesSync(daemonPaths(ws).runIndex, past, past);
    const listed = await listNewestRuns(ws, 2);
    expect(ids(listed)).toEqual([hand, id(29)]);
    expect(listed[0]).toMatchObject({ ok: false, error: { code: 'ERR_METADATA_CORRUPT' } });
  });

  it('passes over a torn last line and lists the run from its line before', async () => {
    const ws = await workspace(2);
    writeFileSync(daemonPaths(ws).runIndex, indexLineText(entry(id(0))) + indexLineText(entry(id(1))));
    appendFileSync(daemonPaths(ws).runIndex, indexLineText(entry(id(1), { status: 'failed' })).slice(0, 60));
    const listed = await listNewestRuns(ws, 5);
    expect(ids(listed)).toEqual([id(1), id(0)]);
    expect(listed[0]).toMatchObject({ ok: true, run: { status: 'succeeded' } });
  });
});

// While a daemon follows runs/, listings take the newest runs from the index alone (see indexFollowed).
describe('newestInIndex', () => {
  const first = (n: number, over: Partial<IndexEntry> = {}): string => indexLineText(entry(id(n), over), true);
  const newest = async (text: string, limit: number): Promise<string[] | undefined> => {
    const ws = await tempWorkspace();
    mkdirSync(daemonPaths(ws).dir, { recursive: true });
    writeFileSync(daemonPaths(ws).runIndex, text);
    return newestInIndex(daemonPaths(ws).runIndex, limit)?.ids;
  };

  it('finds a queued run whose only line lies far back, and not an old run that moved lately', async () => {
    const firsts = Array.from({ length: 40 }, (_, n) => first(n, n === 39 ? { status: 'queued', started_at: null, ended_at: null } : {}));
    // Run 0 runs on for 4 000 lines and run 2 is resumed: their lines come last, none of them a first line.
    const busy = indexLineText(entry(id(0), { status: 'running', ended_at: null }));
    expect(await newest(firsts.join('') + busy.repeat(4000) + indexLineText(entry(id(2), { status: 'failed' })), 3)).toEqual([id(39), id(38), id(37)]);
  });

  it('leaves out a run whose removal line follows its first line', async () => {
    const firsts = Array.from({ length: 30 }, (_, n) => first(n));
    expect(await newest(firsts.join('') + indexLineText({ run_id: id(29), removed: true }), 2)).toEqual([id(28), id(27)]);
  });

  it('reads an index without first lines (an older version’s) to its start, and lists the same', async () => {
    const lines = Array.from({ length: 30 }, (_, n) => indexLineText(entry(id(n))));
    expect(await newest(lines.join(''), 3)).toEqual([id(29), id(28), id(27)]);
  });

  it('passes over a torn line and takes the run’s line before it', async () => {
    const ws = await tempWorkspace();
    mkdirSync(daemonPaths(ws).dir, { recursive: true });
    writeFileSync(daemonPaths(ws).runIndex, first(0) + first(1) + indexLineText(entry(id(1), { status: 'failed' })).slice(0, 50) + '\n');
    const found = newestInIndex(daemonPaths(ws).runIndex, 5);
    expect(found?.ids).toEqual([id(1), id(0)]);
    expect(found?.lines.get(id(1))).toMatchObject({ status: 'succeeded' });
  });
});
