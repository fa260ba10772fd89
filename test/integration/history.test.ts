import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { daemonPaths } from '../../src/workspace/layout.js';
import { History } from '../../src/daemon/engine/history-writer.js';
import type { HistoryRecord } from '../../src/shared/history-record.js';
import { removeWorkspaces, runIn, tempWorkspace } from '../helpers/workspace.js';

afterEach(removeWorkspaces);

const TWO = "stages:\n  - id: quick\n    run: 'sleep 0.05'\n  - id: flaky\n    run: 'exit 3'\n    optional: true\n";

const record = (over: Partial<HistoryRecord>): HistoryRecord => ({
  run_id: 'r', pipeline: 'p', stage: 'work', index: 0, status: 'succeeded', duration_ms: 1000, attempts: 1,
  error_code: null, ended_at: '2026-11-24T10:00:00.000Z', ...over,
});
const at = (i: number): string => new Date(Date.parse('2026-11-24T10:00:00.000Z') + i * 60_000).toISOString();

describe('the history index', () => {
  it('records every stage of real runs as they end, and estimates from them', async () => {
    const ws = await tempWorkspace({ two: TWO });
    const history = await History.open(ws);
    const first = await runIn(ws, 'two', { history });
    expect(first.final.stages[0]).toMatchObject({ expected_ms: null, expected_samples: 0 });
    const second = await runIn(ws, 'two', { history });
    // The second run started knowing the first one's durations.
    expect(second.final.stages[0]?.expected_samples).toBe(1);
    expect(second.final.stages[0]?.expected_ms).toBe(first.final.stages[0]?.duration_ms);
    const lines = (await readFile(daemonPaths(ws).history, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as HistoryRecord);
    expect(lines.map((l) => [l.stage, l.status, l.error_code])).toEqual([
      ['quick', 'succeeded', null],
      ['flaky', 'skipped', 'ERR_STAGE_EXIT'],
      ['quick', 'succeeded', null],
      ['flaky', 'skipped', 'ERR_STAGE_EXIT'],
    ]);
    // A stage that never succeeded has no usual duration.
    expect(history.estimates('two', ['quick', 'flaky', 'new'])).toEqual([
      { expected_ms: expect.any(Number), samples: 2 },
      { expected_ms: null, samples: 0 },
      { expected_ms: null, samples: 0 },
    ]);
  });

  it('takes the median of the last 20 successes: an outlier moves it little, old runs not at all', async () => {
    const ws = await tempWorkspace();
    const history = await History.open(ws);
    const old = Array.from({ length: 30 }, (_, i) => record({ run_id: `old${i}`, duration_ms: 99_000, ended_at: at(i) }));
    const recent = Array.from({ length: 19 }, (_, i) => record({ run_id: `new${i}`, duration_ms: 10_000 + i * 100, ended_at: at(100 + i) }));
    history.append([...old, ...recent, record({ run_id: 'slow', duration_ms: 3_600_000, ended_at: at(200) })]);
    history.append([record({ run_id: 'failed', status: 'failed', duration_ms: 5, error_code: 'ERR_X', ended_at: at(201) })]);
    // The 20 most recent successes are 10 000…11 800 and the outlier: the median is between 10 900 and 11 000.
    expect(history.estimates('p', ['work'])).toEqual([{ expected_ms: 10_950, samples: 20 }]);
  });

  it('ignores a torn last line, and picks up lines another process appended', async () => {
    const ws = await tempWorkspace();
    const mine = await History.open(ws);
    const file = daemonPaths(ws).history;
    await appendFile(file, `${JSON.stringify(record({ run_id: 'a' }))}\n{"run_id":"tor`);
    const theirs = await History.open(ws);
    expect(theirs.records('p', 'work').map((r) => r.run_id)).toEqual(['a']);
    // The writer finishes its line: both instances see it on their next look.
    await appendFile(file, `n","pipeline":"p","stage":"work","index":0,"status":"succeeded","duration_ms":5,"attempts":1,"error_code":null,"ended_at":"${at(1)}"}\n`);
    mine.refresh();
    theirs.refresh();
    expect(mine.records('p', 'work').map((r) => r.run_id)).toEqual(['a', 'torn']);
    expect(theirs.records('p', 'work').map((r) => r.run_id)).toEqual(['a', 'torn']);
  });

  it('is rebuilt from the run folders when lost or corrupt', async () => {
    const ws = await tempWorkspace({ two: TWO });
    const history = await History.open(ws);
    await runIn(ws, 'two', { history });
    await runIn(ws, 'two', { history });
    const file = daemonPaths(ws).history;
    const original = await readFile(file, 'utf8');

    await rm(file);
    const rebuilt = await History.open(ws);
    expect(rebuilt.records('two', 'quick')).toEqual(history.records('two', 'quick'));
    expect(await readFile(file, 'utf8')).toBe(original);

    await writeFile(file, `not json\n${original}`);
    const repaired = await History.open(ws);
    expect(repaired.records('two', 'flaky')).toEqual(history.records('two', 'flaky'));
    expect(await readFile(file, 'utf8')).toBe(original);
  });
});
