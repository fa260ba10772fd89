import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/shared/events.js';
import { cli } from '../helpers/cli.js';
import { startDaemon, startRun, stopDaemons, waitForRun } from '../helpers/daemon.js';
import { markedProcesses } from '../../src/daemon/engine/process-groups.js';
import { removeWorkspaces, runIn, tempWorkspace, waitFor } from '../helpers/workspace.js';

afterEach(async () => {
  await stopDaemons();
  await removeWorkspaces();
});

// Every item appends its index to ran.txt: how many times each item ran, over a run and its resumes.
const timesRun = async (ws: string): Promise<Map<number, number>> => {
  const counts = new Map<number, number>();
  for (const line of (await readFile(path.join(ws, 'ran.txt'), 'utf8')).trim().split('\n')) counts.set(Number(line), (counts.get(Number(line)) ?? 0) + 1);
  return counts;
};

describe('fan-out (foreach)', () => {
  it('runs a stage once per item with PIPE_ITEM and PIPE_ITEM_INDEX, at most max_parallel at once, each with its own log', async () => {
    const ws = await tempWorkspace({
      // Each item notes how many items run beside it (the *.on marks) and leaves its own mark for a moment.
      langs: `stages:
  - id: tts
    foreach: [en, de, fr, es, it, nl]
    max_parallel: 2
    run: 'touch "$PIPE_ITEM.on"; ls *.on | wc -l >> at-once.txt; echo "$PIPE_ITEM_INDEX=$PIPE_ITEM" >> seen.txt; echo "saying $PIPE_ITEM"; sleep 0.3; rm "$PIPE_ITEM.on"'
  - id: after
    run: 'echo done > after.txt'
`,
    });
    const { final, recorder } = await runIn(ws, 'langs');
    expect(final.status, JSON.stringify(final.error)).toBe('succeeded');
    expect((await readFile(path.join(ws, 'seen.txt'), 'utf8')).trim().split('\n').sort()).toEqual(['0=en', '1=de', '2=fr', '3=es', '4=it', '5=nl']);
    const atOnce = (await readFile(path.join(ws, 'at-once.txt'), 'utf8')).trim().split('\n').map(Number);
    expect(Math.max(...atOnce)).toBeLessThanOrEqual(2);
    expect(final.stages[0]?.items).toMatchObject({ total: 6, next: 6, succeeded: 6, running: [], failed: [] });
    expect(final.stages[0]?.progress).toMatchObject({ current: 6, total: 6 });
    expect(await readFile(path.join(recorder.dir, 'logs/00_tts/item-00002.log'), 'utf8')).toContain('saying fr');
    expect(JSON.parse(await readFile(path.join(recorder.dir, 'items/00_tts.json'), 'utf8'))).toEqual({ stage: 'tts', items: ['en', 'de', 'fr', 'es', 'it', 'nl'] });
    // The stage's own log tells the fan-out; metadata.json never held a list of every item.
    expect(await readFile(path.join(recorder.dir, 'logs/00_tts.log'), 'utf8')).toMatch(/6 items, 6 to run, at most 2 at once[\s\S]*all 6 items succeeded/);
  });

  it('reads items from a parameter (lines or commas) and from a file an earlier stage wrote, in the workspace or the run folder', async () => {
    const ws = await tempWorkspace({
      p: `params:
  langs: { default: "en,de" }
stages:
  - id: list
    run: 'printf "[\\"a b\\", 7]" > out.json'
  - id: by_param
    foreach: { param: langs }
    run: 'echo "p:$PIPE_ITEM" >> seen.txt'
  - id: by_file
    foreach: { file: out.json }
    run: 'echo "f:$PIPE_ITEM" >> seen.txt'
  - id: in_run
    run: 'printf "x\\ny\\n" > "$PIPE_RUN_DIR/mine.txt"'
  - id: by_run_file
    foreach: { file: $PIPE_RUN_DIR/mine.txt }
    run: 'echo "r:$PIPE_ITEM" >> seen.txt'
`,
    });
    const { final } = await runIn(ws, 'p', { params: { langs: 'en\nfr\n' } });
    expect(final.status, JSON.stringify(final.error)).toBe('succeeded');
    expect((await readFile(path.join(ws, 'seen.txt'), 'utf8')).trim().split('\n').sort()).toEqual(['f:7', 'f:a b', 'p:en', 'p:fr', 'r:x', 'r:y']);
  });

  it('fails a stage whose foreach file is missing with ERR_ITEMS_INVALID, starting no item', async () => {
    const ws = await tempWorkspace({ p: `stages:\n  - id: f\n    foreach: { file: nowhere.json }\n    run: 'echo ran >> ran.txt'\n` });
    const { final } = await runIn(ws, 'p');
    expect(final.status).toBe('failed');
    expect(final.error).toMatchObject({ code: 'ERR_ITEMS_INVALID', stage: 'f' });
    expect(final.error?.message).toContain('nowhere.json does not exist');
    await expect(readFile(path.join(ws, 'ran.txt'))).rejects.toThrow();
  });

  it('runs 1 000 items, 3 failing; the stage fails naming them; a resume runs exactly those 3 again', async () => {
    const ws = await tempWorkspace({
      many: `stages:
  - id: work
    foreach: { file: items.txt }
    max_parallel: 8
    run: 'echo $PIPE_ITEM_INDEX >> ran.txt; case $PIPE_ITEM in bad*) test -f fixed ;; esac'
  - id: after
    run: 'echo after >> after.txt'
`,
    });
    const items = Array.from({ length: 1000 }, (_, i) => ([17, 500, 998].includes(i) ? `bad${i}` : `ok${i}`));
    await writeFile(path.join(ws, 'items.txt'), `${items.join('\n')}\n`);
    await startDaemon(ws);
    const id = await startRun(ws, 'many');
    const failed = await waitForRun(ws, id, 'the fan-out to fail', (r) => r.status === 'failed', 120_000);
    expect(failed.error).toMatchObject({ code: 'ERR_ITEMS_FAILED', stage: 'work' });
    expect(failed.error?.message).toMatch(/^3 of 1000 items failed; item 17 \(bad17\): ERR_STAGE_EXIT/);
    expect(failed.stages[0]?.items).toMatchObject({ total: 1000, succeeded: 997 });
    expect(failed.stages[0]?.items?.failed.map((f) => f.index).sort((a, b) => a - b)).toEqual([17, 500, 998]);
    expect(failed.stages[1]?.status).toBe('pending');
    // metadata.json holds counts and the failed ones, not 1 000 items.
    const dir = path.join(ws, 'runs', id);
    expect((await readFile(path.join(dir, 'metadata.json'), 'utf8')).length).toBeLessThan(16_000);
    expect((await timesRun(ws)).size).toBe(1000);

    await writeFile(path.join(ws, 'fixed'), '');
    expect((await cli(['resume', id, '--workspace', ws])).exitCode).toBe(0);
    const done = await waitForRun(ws, id, 'the resumed run to succeed', (r) => r.status === 'succeeded', 60_000);
    expect(done.stages[0]?.items).toMatchObject({ total: 1000, succeeded: 1000, failed: [], running: [] });
    const counts = await timesRun(ws);
    expect([...counts].filter(([, n]) => n > 1).map(([i]) => i).sort((a, b) => a - b)).toEqual([17, 500, 998]);
    expect(counts.size).toBe(1000);
    // Each failed item kept its log; the events told every item.
    expect((await readdir(path.join(dir, 'logs/00_work'))).length).toBe(1000);
    const events = (await readFile(path.join(dir, 'events.ndjson'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as RunEvent);
    expect(events.filter((e) => e.type === 'item.succeeded')).toHaveLength(1000);
  });

  it('a daemon stopped under a fan-out stops its items too: no process of the run is left', async () => {
    const ws = await tempWorkspace({ long: `stages:\n  - id: fan\n    foreach: [a, b, c]\n    max_parallel: 3\n    run: 'sleep 60'\n` });
    await startDaemon(ws);
    const id = await startRun(ws, 'long');
    await waitForRun(ws, id, 'three items running', (r) => r.stages[0]?.items?.running.length === 3);
    await waitFor('the items’ processes', () => markedProcesses([`PIPE_RUN_ID=${id}`]).length >= 3);
    const stop = await cli(['daemon', 'stop', '--force', '--workspace', ws]);
    expect(stop.exitCode, String(stop.stderr)).toBe(0);
    await waitFor('no process of the run left', () => markedProcesses([`PIPE_RUN_ID=${id}`]).length === 0, 15_000);
    const stopped = await waitForRun(ws, id, 'to be interrupted', (r) => r.status === 'interrupted');
    expect(stopped.stages[0]?.items?.failed.map((f) => f.code)).toEqual(['ERR_INTERRUPTED', 'ERR_INTERRUPTED', 'ERR_INTERRUPTED']);
  });

  it('with fail_fast, names the item that failed, not the ones its failure cancelled', async () => {
    const ws = await tempWorkspace({
      ff: `fail_fast: true\nstages:\n  - id: fan\n    foreach: [a, b, c, d]\n    max_parallel: 4\n    run: 'if [ "$PIPE_ITEM" = d ]; then i=0; while [ $(ls *.on 2>/dev/null | wc -l) -lt 3 ] && [ $i -lt 200 ]; do i=$((i+1)); sleep 0.1; done; exit 3; fi; touch "$PIPE_ITEM.on"; sleep 30'\n`,
    });
    const { final } = await runIn(ws, 'ff', { graceMs: 500 });
    expect(final.error?.code).toBe('ERR_ITEMS_FAILED');
    expect(final.error?.message).toMatch(/^1 of 4 items failed, 3 cancelled; item 3 \(d\): ERR_STAGE_EXIT/);
  });
});
