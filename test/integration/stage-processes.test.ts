import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive, removeWorkspaces, runIn, tempWorkspace, waitFor } from '../helpers/workspace.js';

afterEach(removeWorkspaces);

const readPid = async (ws: string, file: string): Promise<number> => Number((await readFile(path.join(ws, file), 'utf8')).trim());

describe('stage processes', () => {
  it('kills the whole process group on timeout, grandchildren included', async () => {
    const ws = await tempWorkspace({
      slow: `stages:
  - id: hang
    run: 'sleep 60 & echo $! > gc.pid; sleep 60'
    timeout: 400ms
`,
    });
    const started = Date.now();
    const { final } = await runIn(ws, 'slow', { graceMs: 500 });
    expect(final.status).toBe('failed');
    expect(final.stages[0]?.error?.code).toBe('ERR_STAGE_TIMEOUT');
    expect(final.error?.code).toBe('ERR_STAGE_TIMEOUT');
    const grandchild = await readPid(ws, 'gc.pid');
    await waitFor('the grandchild to be gone', () => !isAlive(grandchild), 3000);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('ends a stage when its own process exits, even if a grandchild still holds the pipe', async () => {
    const ws = await tempWorkspace({
      bg: `stages:
  - id: leaves-one-behind
    run: 'sleep 60 & echo $! > gc.pid; echo done'
`,
    });
    const { final } = await runIn(ws, 'bg', { graceMs: 300 });
    expect(final.status).toBe('succeeded');
    const grandchild = await readPid(ws, 'gc.pid');
    await waitFor('the leftover grandchild to be gone', () => !isAlive(grandchild), 3000);
  });

  it('cancels: SIGTERM to the group, SIGKILL to what ignores it, status cancelled with ERR_CANCELLED', async () => {
    const ws = await tempWorkspace({
      stubborn: `stages:
  - id: ignores-term
    run: 'trap "" TERM; sleep 60 & echo $! > gc.pid; while true; do sleep 0.1; done'
  - id: never
    run: 'touch never-ran'
`,
    });
    const controller = new AbortController();
    const done = runIn(ws, 'stubborn', { signal: controller.signal, graceMs: 300 });
    await waitFor('the grandchild to start', () => readPid(ws, 'gc.pid').then((pid) => pid > 0));
    const grandchild = await readPid(ws, 'gc.pid');
    controller.abort();
    const { final } = await done;
    expect(final.status).toBe('cancelled');
    expect(final.error?.code).toBe('ERR_CANCELLED');
    expect(final.stages.map((s) => s.status)).toEqual(['cancelled', 'pending']);
    expect(final.entities.find((e) => e.type === 'error')?.metadata).toEqual({ code: 'ERR_CANCELLED' });
    await waitFor('the grandchild to be gone', () => !isAlive(grandchild), 3000);
    await expect(readFile(path.join(ws, 'never-ran'))).rejects.toThrow();
  });

  it('reports exit codes, signals, spawn failures and a stage its own error code', async () => {
    const ws = await tempWorkspace({
      exit: "stages:\n  - id: s\n    run: 'exit 7'\n",
      signal: "stages:\n  - id: s\n    run: 'kill -9 $$'\n",
      spawn: "stages:\n  - id: s\n    run: ['/no/such/program', 'x']\n",
      own: "stages:\n  - id: s\n    run: 'echo \"::pipe:error ERR_EMBEDDINGS_MISSING embeddings.parquet is empty\"'\n",
    });
    const errorOf = async (name: string) => (await runIn(ws, name)).final.stages[0]?.error;
    expect(await errorOf('exit')).toMatchObject({ code: 'ERR_STAGE_EXIT', exit_code: 7 });
    expect(await errorOf('signal')).toMatchObject({ code: 'ERR_STAGE_SIGNAL', signal: 'SIGKILL' });
    expect(await errorOf('spawn')).toMatchObject({ code: 'ERR_STAGE_SPAWN' });
    expect(await errorOf('own')).toMatchObject({ code: 'ERR_EMBEDDINGS_MISSING', message: 'embeddings.parquet is empty', exit_code: 0 });
  });

  it('survives a 1 MB line without a newline, binary garbage and a flood, and logs all of it', async () => {
    const ws = await tempWorkspace({
      noisy: `stages:
  - id: noisy
    run: 'head -c 1048576 /dev/zero | tr "\\\\0" x; head -c 200000 /dev/urandom; seq 1 100000; echo "::pipe:progress 1/1 end"'
`,
    });
    const { final, recorder } = await runIn(ws, 'noisy');
    expect(final.status).toBe('succeeded');
    expect(final.stages[0]?.progress).toMatchObject({ current: 1, total: 1 });
    const log = await readFile(path.join(recorder.dir, final.stages[0]!.log));
    expect(log.length).toBeGreaterThan(1048576 + 200000 + 500000);
    expect(log.includes(Buffer.from('\n100000\n'))).toBe(true);
  });

  it('kills a grandchild that ignores SIGTERM and no longer holds the pipe', async () => {
    const ws = await tempWorkspace({
      deaf: `stages:
  - id: deaf
    run: '(trap "" TERM; exec sleep 61) >/dev/null 2>&1 & echo $! > gc.pid; sleep 62'
    timeout: 300ms
`,
    });
    const { final } = await runIn(ws, 'deaf', { graceMs: 300 });
    expect(final.stages[0]?.error?.code).toBe('ERR_STAGE_TIMEOUT');
    const grandchild = await readPid(ws, 'gc.pid');
    // Gone by the time the stage is recorded as ended: no waiting needed.
    expect(isAlive(grandchild)).toBe(false);
  });

  it('ends a timed-out stage even when a grandchild left the group with setsid and holds the pipe', async () => {
    const ws = await tempWorkspace({
      escape: "stages:\n  - id: escape\n    run: 'setsid sleep 8 & echo started; sleep 30'\n    timeout: 300ms\n",
    });
    const started = Date.now();
    const { final } = await runIn(ws, 'escape', { graceMs: 200 });
    expect(final.stages[0]?.error?.code).toBe('ERR_STAGE_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(4000);
  });
});
