import { readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RunMetadata } from '../../src/shared/metadata-schema.js';
import { startDaemon, startRun, stopDaemons, waitForRun } from '../helpers/daemon.js';
import { isAlive, removeWorkspaces, tempWorkspace, waitFor } from '../helpers/workspace.js';

const moved: string[] = [];
afterEach(async () => {
  await stopDaemons();
  await removeWorkspaces();
  for (const dir of moved.splice(0)) await rm(dir, { recursive: true, force: true });
});

const SLOW = "stages:\n  - id: wait\n    run: 'echo $$ > stage.pid; sleep 120'\n";

describe('a workspace renamed under a running daemon', () => {
  it('stops the daemon cleanly: its run reads interrupted in the folder where it now is, its stage is gone', async () => {
    const ws = await tempWorkspace({ slow: SLOW });
    const pid = await startDaemon(ws);
    const runId = await startRun(ws, 'slow');
    await waitForRun(ws, runId, 'to run', (r) => r.status === 'running');
    const stagePid = await waitFor('the stage to start', async () => Number((await readFile(path.join(ws, 'stage.pid'), 'utf8').catch(() => '')).trim()) || null);
    const to = `${ws}-moved`;
    moved.push(to);
    await rename(ws, to);
    await waitFor(`daemon ${pid} to stop`, () => !isAlive(pid), 30_000);
    expect(isAlive(stagePid)).toBe(false);
    const run = RunMetadata.parse(JSON.parse(await readFile(path.join(to, 'runs', runId, 'metadata.json'), 'utf8')));
    expect(run.status).toBe('interrupted');
    expect(run.error?.code).toBe('ERR_INTERRUPTED');
    expect(await readFile(path.join(to, '.pipe-tui', 'daemon.log'), 'utf8')).toContain(`workspace moved to ${to}: stopping`);
  });
});
