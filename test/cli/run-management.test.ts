import { existsSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, cli } from '../helpers/cli.js';
import { removeWorkspaces, tempWorkspace, waitFor } from '../helpers/workspace.js';
import { DAY, HOUR, ended, stageError, writeRun } from './run-folders.js';

afterEach(removeWorkspaces);

const NOW = Date.now();
const json = (result: { stdout: unknown }): any => JSON.parse(String(result.stdout));

describe('ls filters', () => {
  it('--status, --pipeline and --limit pick runs, newest first; bad values are refused', async () => {
    const ws = await tempWorkspace();
    await writeRun(ws, '20260101-000000-000-aaaaaa', 'p1', NOW - 3 * HOUR, ['a'], ended('succeeded'));
    await writeRun(ws, '20260101-000001-000-bbbbbb', 'p1', NOW - 2 * HOUR, ['a'], ended('failed'));
    await writeRun(ws, '20260101-000002-000-cccccc', 'p2', NOW - HOUR, ['a'], ended('succeeded'));
    const ids = async (...args: string[]): Promise<string[]> => json(await cli(['ls', '--json', '--workspace', ws, ...args])).map((r: { run_id: string }) => r.run_id.slice(-6));
    expect(await ids('--status', 'failed')).toEqual(['bbbbbb']);
    expect(await ids('--pipeline', 'p1')).toEqual(['bbbbbb', 'aaaaaa']);
    expect(await ids('--limit', '2')).toEqual(['cccccc', 'bbbbbb']);
    expect(await ids('--status', 'succeeded', '--limit', '1')).toEqual(['cccccc']);
    expect((await cli(['ls', '--status', 'running', '--workspace', ws])).stdout).toContain('no runs in');
    for (const bad of [['--status', 'done'], ['--limit', '0'], ['--limit', 'x']]) {
      const result = await cli(['ls', ...bad, '--workspace', ws]);
      expect(result.exitCode, bad.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/^pipe-tui: ERR_USAGE: /);
    }
  });
});

// The bug: a run that failed, sat two hours, and was resumed for 3 s showed TOOK `2h 00m`.
describe('how long a run took', () => {
  it('counts the time its stages ran, not the idle time before a resume, and shows both where they differ', async () => {
    const ws = await tempWorkspace();
    const resumed = '20260101-000000-000-resume';
    const t0 = NOW - 3 * HOUR;
    await writeRun(ws, resumed, 'p', t0, ['a', 'b'], [
      [0, { type: 'run.started', runner_pid: 1 }],
      [0, { type: 'stage.started', stage: 0, attempt: 1, pgid: null }],
      [10_000, { type: 'stage.succeeded', stage: 0, outputs: [] }],
      [10_000, { type: 'stage.started', stage: 1, attempt: 1, pgid: null }],
      [12_000, { type: 'stage.failed', stage: 1, error: stageError() }],
      [12_000, { type: 'run.finished', status: 'failed', error: { code: 'ERR_STAGE_EXIT', message: 'exited with code 1', stage: 'b' } }],
      [2 * HOUR, { type: 'run.queued', reason: 'resume' }],
      [2 * HOUR, { type: 'run.started', runner_pid: 1 }],
      [2 * HOUR, { type: 'stage.started', stage: 1, attempt: 1, pgid: null }],
      [2 * HOUR + 3000, { type: 'stage.succeeded', stage: 1, outputs: [] }],
      [2 * HOUR + 3000, { type: 'run.finished', status: 'succeeded', error: null }],
    ]);
    await writeRun(ws, '20260101-000001-000-normal', 'p', NOW - HOUR, ['a'], ended('succeeded', 4000));
    const ls = String((await cli(['ls', '--workspace', ws])).stdout);
    expect(ls).toMatch(/resume +p +succeeded +2\/2 +3h 00m ago +13s \(2h 00m wall\)$/m);
    expect(ls).toMatch(/normal +p +succeeded +1\/1 +1h 00m ago +4\.0s$/m);
    expect(json(await cli(['ls', '--json', '--workspace', ws])).map((r: { active_ms: number }) => r.active_ms)).toEqual([4000, 13_000]);
    const status = String((await cli(['status', 'resume', '--workspace', ws])).stdout);
    expect(status.split('\n')[0]).toBe(`run ${resumed} succeeded in 13s (2h 00m wall)`);
    expect(String((await cli(['status', 'normal', '--workspace', ws])).stdout)).toMatch(/^run \S+ succeeded in 4\.0s\n/);
  });
});

describe('rm', () => {
  it('deletes ended runs named by suffix or prefix and says what went; --json lists them', async () => {
    const ws = await tempWorkspace();
    await writeRun(ws, '20260101-000000-000-aaaaaa', 'p1', NOW - HOUR, ['a'], ended('failed'));
    await writeRun(ws, '20260102-000000-000-bbbbbb', 'p1', NOW - HOUR, ['a'], ended('succeeded'));
    await writeRun(ws, '20260103-000000-000-cccccc', 'p2', NOW - HOUR, ['a'], ended('succeeded'));
    const text = await cli(['rm', 'aaaaaa', '--workspace', ws]);
    expect(text.exitCode, String(text.stderr)).toBe(0);
    expect(text.stdout).toMatch(/^removed +20260101-000000-000-aaaaaa +p1 +failed +\d+(\.\d)? KiB$/);
    const both = await cli(['rm', '20260102', 'latest', '--json', '--workspace', ws]);
    expect(json(both).removed.map((r: { run_id: string; status: string }) => [r.run_id.slice(-6), r.status])).toEqual([['bbbbbb', 'succeeded'], ['cccccc', 'succeeded']]);
    expect(json(await cli(['ls', '--json', '--workspace', ws]))).toEqual([]);
    expect(existsSync(path.join(ws, 'runs'))).toBe(true);
  });

  it('refuses a live run (and then removes nothing of what was named with it), and anything not a run folder', async () => {
    const ws = await tempWorkspace({ gate: "stages:\n  - id: hold\n    run: 'while [ ! -f go ]; do sleep 0.05; done'\n" });
    await writeRun(ws, '20260101-000000-000-aaaaaa', 'p1', NOW - HOUR, ['a'], ended('failed'));
    const running = execa('node', [BIN, 'run', 'gate', '--foreground', '--workspace', ws], { reject: false });
    const live = await waitFor('the run to be running', async () => {
      const runs = json(await cli(['ls', '--json', '--status', 'running', '--workspace', ws]));
      return runs[0]?.run_id as string | undefined;
    });
    const refused = await cli(['rm', 'aaaaaa', live.slice(-6), '--workspace', ws]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`^pipe-tui: ERR_RUN_STATE: run ${live} is running; cancel it first`));
    expect(existsSync(path.join(ws, 'runs', '20260101-000000-000-aaaaaa'))).toBe(true);
    await writeFile(path.join(ws, 'go'), '');
    expect((await running).exitCode).toBe(0);
    expect((await cli(['rm', live, '--workspace', ws])).exitCode).toBe(0);

    // A link where a run folder would be: refused, and what it points to untouched.
    const elsewhere = path.join(ws, 'elsewhere');
    await mkdir(elsewhere);
    await writeFile(path.join(elsewhere, 'keep.txt'), 'mine');
    await symlink(elsewhere, path.join(ws, 'runs', '20260109-000000-000-linked'));
    const link = await cli(['rm', 'linked', '--workspace', ws]);
    expect(link.exitCode).toBe(1);
    expect(link.stderr).toMatch(/^pipe-tui: ERR_RUN_STATE: .* is not a run folder \(a symbolic link\)/);
    expect(await readFile(path.join(elsewhere, 'keep.txt'), 'utf8')).toBe('mine');
    expect((await cli(['rm', '../elsewhere', '--workspace', ws])).stderr).toMatch(/^pipe-tui: ERR_RUN_ID_INVALID: /);
  });
});

describe('prune', () => {
  async function oldAndNew(): Promise<string> {
    const ws = await tempWorkspace();
    await writeRun(ws, '20260101-000000-000-oldbad', 'p1', NOW - 40 * DAY, ['a'], ended('failed'));
    await writeRun(ws, '20260101-000001-000-oldok1', 'p1', NOW - 40 * DAY, ['a'], ended('succeeded'));
    await writeRun(ws, '20260101-000002-000-oldok2', 'p2', NOW - 40 * DAY, ['a'], ended('succeeded'));
    // Old but live (left running by a runner that died, say): never pruned.
    await writeRun(ws, '20260101-000003-000-oldrun', 'p1', NOW - 40 * DAY, ['a'], [[0, { type: 'run.started', runner_pid: 1 }]]);
    await writeRun(ws, '20260201-000000-000-newok1', 'p1', NOW - HOUR, ['a'], ended('succeeded'));
    return ws;
  }
  const suffixes = (runs: { run_id: string }[]): string[] => runs.map((r) => r.run_id.slice(-6));

  it('lists what would go by default (old, ended) and deletes nothing', async () => {
    const ws = await oldAndNew();
    const dry = await cli(['prune', '--older-than', '30d', '--workspace', ws]);
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).toMatch(/^RUN +PIPELINE +STATUS +ENDED +SIZE\n/);
    expect(dry.stdout).toMatch(/\n3 runs \(.*\) would be removed; add --yes to remove them$/);
    expect(suffixes(json(await cli(['prune', '--older-than', '30d', '--json', '--workspace', ws])).runs)).toEqual(['oldok2', 'oldok1', 'oldbad']);
    expect(suffixes(json(await cli(['prune', '--older-than', '30d', '--status', 'failed', '--json', '--workspace', ws])).runs)).toEqual(['oldbad']);
    expect(json(await cli(['ls', '--json', '--workspace', ws]))).toHaveLength(5);
  });

  it('--yes deletes them, keeping the newest N of each pipeline with --keep', async () => {
    const ws = await oldAndNew();
    const pruned = await cli(['prune', '--older-than', '30d', '--keep', '1', '--yes', '--json', '--workspace', ws]);
    expect(pruned.exitCode, String(pruned.stderr)).toBe(0);
    // p1 keeps newok1 (its newest ended run), so both old p1 runs go; p2's one run is its newest: kept.
    expect(suffixes(json(pruned).removed)).toEqual(['oldok1', 'oldbad']);
    expect(suffixes(json(await cli(['ls', '--json', '--workspace', ws])))).toEqual(['newok1', 'oldrun', 'oldok2']);
  });

  it('refuses to guess: no criterion, a live status, a bad age', async () => {
    const ws = await oldAndNew();
    for (const args of [[], ['--older-than', '30d', '--status', 'running'], ['--older-than', 'a month'], ['--keep', '-1']]) {
      const result = await cli(['prune', ...args, '--workspace', ws]);
      expect(result.exitCode, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/^pipe-tui: ERR_USAGE: /);
    }
  });
});

describe('pipelines', () => {
  it('lists each pipeline with its description, stages and last run; a broken file with its code', async () => {
    const ws = await tempWorkspace({
      hello: "description: Say hello\nstages:\n  - id: greet\n    run: 'true'\n  - id: count\n    run: 'true'\n",
      other: "stages:\n  - id: a\n    run: 'true'\n",
      broken: 'stages: 3\n',
    });
    await writeRun(ws, '20260101-000000-000-aaaaaa', 'hello', NOW - 2 * HOUR, ['greet', 'count'], ended('failed'));
    await writeRun(ws, '20260101-000001-000-bbbbbb', 'hello', NOW - HOUR, ['greet', 'count'], ended('succeeded'));
    const listed = json(await cli(['pipelines', '--json', '--workspace', ws]));
    expect(listed.map((p: { name: string }) => p.name)).toEqual(['broken', 'hello', 'other']);
    expect(listed[0]).toMatchObject({ error: { code: 'ERR_PIPELINE_INVALID' } });
    expect(listed[1]).toMatchObject({ description: 'Say hello', stages: ['greet', 'count'], last_run: { run_id: '20260101-000001-000-bbbbbb', status: 'succeeded' }, error: null });
    expect(listed[2]).toMatchObject({ description: null, last_run: null });
    const text = String((await cli(['pipelines', '--workspace', ws])).stdout);
    expect(text).toMatch(/hello +2 +✔ succeeded 1h 00m ago +Say hello/);
    expect(text).toMatch(/other +1 +never run/);
    expect(text).toMatch(/broken +! +ERR_PIPELINE_INVALID/);
  });
});
