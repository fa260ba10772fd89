import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { daemonPaths } from '../../src/workspace/layout.js';
import { cli } from '../helpers/cli.js';
import { startDaemon, startRun, stopDaemons, waitForRun } from '../helpers/daemon.js';
import { isAlive, removeWorkspaces, tempWorkspace, waitFor } from '../helpers/workspace.js';

const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await stopDaemons();
  await removeWorkspaces();
});

const signal = (pid: number, sig: NodeJS.Signals): void => {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
};

describe('stopping the daemon', () => {
  it('daemon stop gives up on a daemon that cannot stop, after its bound, naming it and what it is doing', async () => {
    const ws = await tempWorkspace();
    const pid = await startDaemon(ws);
    // Stopped, it cannot act on SIGTERM: as stuck as a daemon gets.
    process.kill(pid, 'SIGSTOP');
    cleanups.push(() => signal(pid, 'SIGKILL'));
    const stop = await cli(['daemon', 'stop', '--workspace', ws], { env: { PIPE_TUI_STOP_MS: '1500' } });
    expect(stop.exitCode).toBe(1);
    expect(stop.stderr).toMatch(new RegExp(`^pipe-tui: ERR_DAEMON_UNREACHABLE: daemon ${pid} did not exit within 1.5 s of SIGTERM; it is still stopped by a signal`));
    expect(stop.stderr).toContain(`kill -CONT ${pid}`);
    // What it last said, from its log.
    expect(stop.stderr).toMatch(new RegExp(`Last line of .*daemon\\.log: \\S+ daemon ${pid} serving`));
    // Let go, it acts on the SIGTERM it was sent, and stops.
    process.kill(pid, 'SIGCONT');
    await waitFor('the daemon to stop once continued', () => !isAlive(pid), 15_000);
  });

  it('a daemon whose stopping outlasts its bound says what it waits on, ends what is left, and exits', async () => {
    // A stage that ignores SIGTERM holds stopping for the whole grace period (3 s): longer than the bound here.
    const ws = await tempWorkspace({ stubborn: "stages:\n  - id: stubborn\n    run: 'trap \"\" TERM; echo $$ > stage.pid; while true; do sleep 0.1; done'\n" });
    const pid = await startDaemon(ws, [], { PIPE_TUI_SHUTDOWN_MS: '500' });
    cleanups.push(() => signal(pid, 'SIGKILL'));
    const runId = await startRun(ws, 'stubborn');
    const run = await waitForRun(ws, runId, 'to be running', (r) => r.stages[0]?.pgid !== null);
    const pgid = run.stages[0]?.pgid as number;
    cleanups.push(() => signal(-pgid, 'SIGKILL'));
    await waitFor('the stage to ignore SIGTERM', () => existsSync(path.join(ws, 'stage.pid')));
    const stop = await cli(['daemon', 'stop', '--force', '--workspace', ws]);
    expect(stop.exitCode, String(stop.stderr)).toBe(0);
    expect(String(stop.stdout)).toBe(`daemon ${pid} stopped\n  interrupted ${runId}: pipe-tui resume ${runId} goes on`);
    expect(isAlive(pid)).toBe(false);
    // It says so, where the user looks: on the terminal and in the log.
    const gaveUp = `stopping did not finish within 0.5 s; still waiting on run ${runId}: stage stubborn (process group ${pgid} still alive); exiting anyway`;
    expect(stop.stderr).toContain(`pipe-tui: warning: `);
    expect(stop.stderr).toContain(gaveUp);
    expect(await readFile(daemonPaths(ws).log, 'utf8')).toMatch(new RegExp(`\\S+Z ${gaveUp.replace(/[()]/g, '\\$&')}\\n`));
    // What it waited on does not outlive it.
    await waitFor('the stage process to be gone', () => !isAlive(pgid), 5000);
  });
});
