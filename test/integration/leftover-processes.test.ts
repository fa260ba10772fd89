import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { startDaemon, startRun, stopDaemons, waitForRun } from '../helpers/daemon.js';
import { isAlive, removeWorkspaces, runIn, tempWorkspace, waitFor } from '../helpers/workspace.js';

afterEach(async () => {
  await stopDaemons();
  await removeWorkspaces();
});

// `setsid` puts the sleep in a session and process group of its own: a signal to the stage's group misses it. The
// stage goes on only once the sleep runs there (its name is sleep once setsid has exec'd it).
const escape = (then: string): string =>
  `stages:\n  - id: escape\n    run: 'setsid sleep 300 >/dev/null 2>&1 < /dev/null & p=$!; until [ "$(cat /proc/$p/comm)" = sleep ]; do :; done; echo $p > escaped.pid; ${then}'\n    timeout: 20s\n`;
const escapedPid = async (ws: string): Promise<number> => Number((await readFile(path.join(ws, 'escaped.pid'), 'utf8')).trim());
const stageLog = (ws: string, runId: string): Promise<string> => readFile(path.join(ws, 'runs', runId, 'logs', '00_escape.log'), 'utf8');

describe('nothing a stage started outlives it', () => {
  it('after a success, a process that left the group is stopped and the log says so', async () => {
    const ws = await tempWorkspace({ p: escape('echo done') });
    const { final } = await runIn(ws, 'p', { graceMs: 300 });
    expect(final.status).toBe('succeeded');
    const pid = await escapedPid(ws);
    await waitFor(`escaped process ${pid} to be gone`, () => !isAlive(pid), 10_000);
    expect(await stageLog(ws, final.run_id)).toMatch(new RegExp(`stopped 1 process the stage left running outside its group: ${pid} \\(sleep\\)`));
  });

  it('after a timeout', async () => {
    const ws = await tempWorkspace({ p: escape('sleep 60').replace('timeout: 20s', 'timeout: 500ms') });
    const { final } = await runIn(ws, 'p', { graceMs: 300 });
    expect(final.stages[0]?.error?.code).toBe('ERR_STAGE_TIMEOUT');
    const pid = await escapedPid(ws);
    await waitFor(`escaped process ${pid} to be gone`, () => !isAlive(pid), 10_000);
  });

  it('after a cancel, within the promised 5 s', async () => {
    const ws = await tempWorkspace({ p: escape('sleep 60') });
    await startDaemon(ws);
    const runId = await startRun(ws, 'p');
    await waitFor('the escaped process to start', () => readFile(path.join(ws, 'escaped.pid'), 'utf8').then((t) => t.trim() !== '', () => false));
    const pid = await escapedPid(ws);
    expect((await cli(['cancel', runId, '--workspace', ws])).exitCode).toBe(0);
    await waitForRun(ws, runId, 'to be cancelled', (r) => r.status === 'cancelled');
    await waitFor(`escaped process ${pid} to be gone`, () => !isAlive(pid), 5000);
    expect(await stageLog(ws, runId)).toMatch(new RegExp(`${pid} \\(sleep\\)`));
  });
});
