import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type IndexEntry, indexLineText } from '../../../src/shared/run-index-entry.js';
import { compactIndex } from '../../../src/daemon/engine/run-index-writer.js';
import { daemonPaths } from '../../../src/workspace/layout.js';
import { removeWorkspaces, tempWorkspace } from '../../helpers/workspace.js';

afterEach(removeWorkspaces);

const entry = (n: number, status: IndexEntry['status'] = 'succeeded'): IndexEntry => ({
  run_id: `20261201-000000-${String(n).padStart(3, '0')}-abcdef`, status, pipeline: 'p', created_at: '2026-12-01T00:00:00.000Z',
  started_at: null, ended_at: null, current_state: { stage: 0, step: 'a', progress: '0/1' }, error: null, total_cost_usd: 0, eta_ms: null, seq: 1, active_ms: null,
});

async function index(text: string): Promise<string> {
  const ws = await tempWorkspace();
  mkdirSync(daemonPaths(ws).dir, { recursive: true });
  writeFileSync(daemonPaths(ws).runIndex, text);
  return ws;
}

describe('compactIndex, told how many runs there are', () => {
  it('compacts an index of many lines a run to one line each', async () => {
    const runs = Array.from({ length: 300 }, (_, n) => n);
    const ws = await index(runs.map((n) => indexLineText(entry(n, 'running'))).join('').repeat(5) + runs.map((n) => indexLineText(entry(n))).join(''));
    expect(compactIndex(ws, 1000, 300)).toBe(true);
    const lines = readFileSync(daemonPaths(ws).runIndex, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(300);
    expect(lines.every((l) => l.includes('"status":"succeeded"'))).toBe(true);
  });

  it('leaves alone an index of about one line a run', async () => {
    const text = Array.from({ length: 3000 }, (_, n) => indexLineText(entry(n))).join('');
    const ws = await index(text);
    expect(compactIndex(ws, 1000, 3000)).toBe(false);
    expect(readFileSync(daemonPaths(ws).runIndex, 'utf8')).toBe(text);
  });
});
