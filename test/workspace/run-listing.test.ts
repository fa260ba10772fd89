import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type IndexEntry, indexLineText } from '../../src/shared/run-index-entry.js';
import { daemonPaths, runDir } from '../../src/workspace/layout.js';
import { type ListedRun, listNewestRuns } from '../../src/workspace/run-listing.js';
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

  it('passes over a torn last line and lists the run from its line before', async () => {
    const ws = await workspace(2);
    writeFileSync(daemonPaths(ws).runIndex, indexLineText(entry(id(0))) + indexLineText(entry(id(1))));
    appendFileSync(daemonPaths(ws).runIndex, indexLineText(entry(id(1), { status: 'failed' })).slice(0, 60));
    const listed = await listNewestRuns(ws, 5);
    expect(ids(listed)).toEqual([id(1), id(0)]);
    expect(listed[0]).toMatchObject({ ok: true, run: { status: 'succeeded' } });
  });
});
