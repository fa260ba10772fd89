import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/shared/events.js';
import { cli } from '../helpers/cli.js';
import { startDaemon, startRun, stopDaemons, waitForRun } from '../helpers/daemon.js';
import { removeWorkspaces, runIn, tempWorkspace } from '../helpers/workspace.js';

afterEach(async () => {
  await stopDaemons();
  await removeWorkspaces();
});

// A stage that marks itself started, then waits (20 s at most) for its sibling's mark: it can only succeed if the
// two run at the same time, so a scheduler that ran them one after the other fails the run, not just an assertion.
const meet = (me: string, other: string): string => `touch ${me}.on; i=0; while [ ! -f ${other}.on ]; do i=$((i+1)); [ $i -gt 200 ] && exit 1; sleep 0.1; done`;
// Each stage appends its id to ran.txt: how many times each ran, over a run and its resumes.
const counted = (id: string, then = 'true'): string => `echo ${id} >> ran.txt; ${then}`;

const DIAMOND = `max_parallel: 4
stages:
  - id: a
    run: '${counted('a')}'
  - id: b
    needs: [a]
    run: '${counted('b', meet('b', 'c'))}'
  - id: c
    needs: [a]
    run: '${counted('c', meet('c', 'b'))}'
  - id: d
    needs: [b, c]
    run: '${counted('d')}'
`;

async function events(dir: string): Promise<RunEvent[]> {
  return (await readFile(path.join(dir, 'events.ndjson'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as RunEvent);
}
const seqOf = (all: RunEvent[], type: RunEvent['type'], stage: number): number =>
  all.find((e) => e.type === type && 'stage' in e && e.stage === stage)?.seq ?? Number.NaN;
const runs = async (ws: string): Promise<string[]> => (await readFile(path.join(ws, 'ran.txt'), 'utf8')).trim().split('\n').sort();

describe('stages as a graph', () => {
  it('runs a diamond: the two middle stages at the same time, the last once both succeeded', async () => {
    const ws = await tempWorkspace({ diamond: DIAMOND });
    const { final, recorder } = await runIn(ws, 'diamond');
    expect(final.status, JSON.stringify(final.error)).toBe('succeeded');
    const all = await events(recorder.dir);
    // Both middle stages started before either ended, and d started after both.
    expect(Math.max(seqOf(all, 'stage.started', 1), seqOf(all, 'stage.started', 2))).toBeLessThan(Math.min(seqOf(all, 'stage.succeeded', 1), seqOf(all, 'stage.succeeded', 2)));
    expect(seqOf(all, 'stage.started', 1)).toBeGreaterThan(seqOf(all, 'stage.succeeded', 0));
    expect(seqOf(all, 'stage.started', 3)).toBeGreaterThan(Math.max(seqOf(all, 'stage.succeeded', 1), seqOf(all, 'stage.succeeded', 2)));
    expect(final.schema_version).toBe(2);
    expect(final.stages.map((s) => s.needs)).toEqual([[], ['a'], ['a'], ['b', 'c']]);
  });

  it('keeps to max_parallel: with 1, independent stages run one at a time', async () => {
    const ws = await tempWorkspace({
      one: `max_parallel: 1\nstages:\n${['x', 'y', 'z'].map((id) => `  - id: ${id}\n    needs: []\n    run: 'touch ${id}.on; sleep 0.2; rm ${id}.on'\n`).join('')}`,
    });
    const { final, recorder } = await runIn(ws, 'one');
    expect(final.status).toBe('succeeded');
    const all = await events(recorder.dir);
    for (const i of [1, 2]) expect(seqOf(all, 'stage.started', i)).toBeGreaterThan(seqOf(all, 'stage.succeeded', i - 1));
  });

  it('lets a running sibling finish after a failure, starts nothing new, and fails the run with the first error', async () => {
    const ws = await tempWorkspace({
      g: `stages:
  - id: bad
    needs: []
    run: 'touch bad.on; exit 3'
  - id: slow
    needs: []
    run: 'i=0; while [ ! -f bad.on ]; do i=$((i+1)); [ $i -gt 200 ] && exit 1; sleep 0.1; done; sleep 0.5; echo slow >> ran.txt'
  - id: after
    needs: [bad, slow]
    run: 'echo after >> ran.txt'
`,
    });
    const { final } = await runIn(ws, 'g');
    expect(final.status).toBe('failed');
    expect(final.error).toMatchObject({ code: 'ERR_STAGE_EXIT', stage: 'bad' });
    expect(final.stages.map((s) => s.status)).toEqual(['failed', 'succeeded', 'pending']);
    expect(await runs(ws)).toEqual(['slow']);
  });

  it('with fail_fast, cancels the running sibling and says why', async () => {
    const ws = await tempWorkspace({
      g: `fail_fast: true
stages:
  - id: bad
    needs: []
    run: 'i=0; while [ ! -f slow.on ]; do i=$((i+1)); [ $i -gt 200 ] && exit 1; sleep 0.1; done; exit 3'
  - id: slow
    needs: []
    run: 'touch slow.on; sleep 30'
`,
    });
    const started = Date.now();
    const { final } = await runIn(ws, 'g', { graceMs: 1000 });
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(final.status).toBe('failed');
    expect(final.error).toMatchObject({ code: 'ERR_STAGE_EXIT', stage: 'bad' });
    expect(final.stages[1]).toMatchObject({ status: 'cancelled', error: { code: 'ERR_CANCELLED', message: 'cancelled: bad failed and the pipeline says fail_fast' } });
  });

  it('resumes exactly what has not succeeded, and reset --to forgets a stage and what is downstream of it only', async () => {
    // b fails until the file `fixed` exists; c, beside it, succeeds.
    const ws = await tempWorkspace({
      diamond: `stages:
  - id: a
    run: '${counted('a')}'
  - id: b
    needs: [a]
    run: '${counted('b', 'test -f fixed')}'
  - id: c
    needs: [a]
    run: '${counted('c')}'
  - id: d
    needs: [b, c]
    run: '${counted('d')}'
`,
    });
    await startDaemon(ws);
    const id = await startRun(ws, 'diamond');
    const failed = await waitForRun(ws, id, 'to fail at b', (r) => r.status === 'failed', 20_000);
    expect(failed.stages.map((s) => s.status)).toEqual(['succeeded', 'failed', 'succeeded', 'pending']);
    await writeFile(path.join(ws, 'fixed'), '');
    expect((await cli(['resume', id, '--workspace', ws])).exitCode).toBe(0);
    await waitForRun(ws, id, 'to succeed after the resume', (r) => r.status === 'succeeded', 20_000);
    expect(await runs(ws)).toEqual(['a', 'b', 'b', 'c', 'd']);

    const reset = await cli(['reset', id, '--to', 'b', '--workspace', ws]);
    expect(reset.exitCode, String(reset.stderr)).toBe(0);
    const after = await waitForRun(ws, id, 'b and d to be pending', (r) => r.stages[1]?.status === 'pending');
    expect(after.stages.map((s) => s.status)).toEqual(['succeeded', 'pending', 'succeeded', 'pending']);
    expect((await cli(['resume', id, '--workspace', ws])).exitCode).toBe(0);
    await waitForRun(ws, id, 'to succeed after the second resume', (r) => r.status === 'succeeded' && r.stages[3]?.status === 'succeeded', 20_000);
    expect(await runs(ws)).toEqual(['a', 'b', 'b', 'b', 'c', 'd', 'd']);

    // The file's graph changed since: the run would go on by another than its rows show.
    const file = path.join(ws, 'pipelines', 'diamond.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('needs: [b, c]', 'needs: [b]'));
    await cli(['reset', id, '--to', 'd', '--workspace', ws]);
    const changed = await cli(['resume', id, '--workspace', ws]);
    expect(changed.exitCode).not.toBe(0);
    expect(String(changed.stderr)).toMatch(/ERR_PIPELINE_CHANGED: .* now says d needs b; run .* had it need b, c/);
  });

  it('a stage waiting for approval beside a stage that fails gives up: the run fails, nothing starts', async () => {
    const ws = await tempWorkspace({
      g: `stages:
  - id: deploy
    needs: []
    approval: true
    run: 'echo deployed > deployed.txt'
  - id: test
    needs: []
    run: 'i=0; while [ ! -f go ] && [ $i -lt 200 ]; do i=$((i+1)); sleep 0.1; done; exit 4'
`,
    });
    await startDaemon(ws);
    const id = await startRun(ws, 'g');
    await waitForRun(ws, id, 'deploy to wait for its approval', (r) => r.status === 'awaiting_approval' && r.stages[1]?.status === 'running');
    await writeFile(path.join(ws, 'go'), '');
    const failed = await waitForRun(ws, id, 'the run to fail', (r) => r.status === 'failed', 20_000);
    expect(failed.error).toMatchObject({ code: 'ERR_STAGE_EXIT', stage: 'test' });
    expect(failed.stages[0]).toMatchObject({ status: 'cancelled', error: { code: 'ERR_CANCELLED', message: 'cancelled: test failed, so it does not start' } });
    await expect(readFile(path.join(ws, 'deployed.txt'))).rejects.toThrow();
  });
});
