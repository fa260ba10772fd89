import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { lockHolder } from '../../src/workspace/daemon-pid.js';
import { daemonPaths } from '../../src/workspace/layout.js';
import { BIN, cli } from '../helpers/cli.js';
import { startDaemon, startRun, stopDaemons, waitForRun } from '../helpers/daemon.js';
import { isAlive, removeWorkspaces, tempWorkspace, waitFor } from '../helpers/workspace.js';

afterEach(async () => {
  await stopDaemons();
  await removeWorkspaces();
});

const SLOW = "stages:\n  - id: one\n    run: 'sleep 1.5'\n  - id: two\n    run: 'echo done > two.txt'\n";

describe('the daemon process', () => {
  it('survives the SIGHUP of the process group (terminal, SSH session) that started it, and finishes the run', async () => {
    const ws = await tempWorkspace({ slow: SLOW });
    // A "terminal": its own process group, in which the user runs a command that starts the daemon.
    const terminal = execa('sh', ['-c', `node ${BIN} run slow --workspace ${ws} && sleep 30`], { detached: true, reject: false });
    const runId = await waitFor('the run id', async () => {
      const ls = await cli(['ls', '--json', '--workspace', ws]);
      return (JSON.parse(String(ls.stdout)) as { run_id: string }[])[0]?.run_id;
    });
    const daemon = await waitFor('the daemon', () => lockHolder(daemonPaths(ws).pid));
    process.kill(-(terminal.pid as number), 'SIGHUP');
    await terminal;
    const run = await waitForRun(ws, runId, 'to succeed', (r) => r.status === 'succeeded');
    expect(run.stages.map((s) => s.status)).toEqual(['succeeded', 'succeeded']);
    expect(isAlive(daemon)).toBe(true);
  });

  it('keeps one daemon per workspace, keeps its socket private, and takes over a stale lock after kill -9', async () => {
    const ws = await tempWorkspace();
    const pid = await startDaemon(ws);
    const paths = daemonPaths(ws);
    expect((await stat(paths.socket)).mode & 0o777).toBe(0o600);
    expect((await stat(paths.dir)).mode & 0o777).toBe(0o700);
    const second = await cli(['daemon', 'run', '--workspace', ws]);
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toMatch(/^pipe-tui: ERR_DAEMON_LOCKED: another daemon \(pid \d+\)/);
    process.kill(pid, 'SIGKILL');
    await waitFor('the daemon to die', () => !isAlive(pid));
    const next = await startDaemon(ws);
    expect(next).not.toBe(pid);
    const status = JSON.parse(String((await cli(['daemon', 'status', '--json', '--workspace', ws])).stdout));
    expect(status).toMatchObject({ running: true, pid: next, socket: path.join(ws, '.pipe-tui', 'daemon.sock') });
  });

  it('daemon stop --force ends it and marks its running runs interrupted, to be resumed', async () => {
    const ws = await tempWorkspace({ slow: "stages:\n  - id: one\n    run: 'sleep 30'\n" });
    await startDaemon(ws);
    const run = await cli(['run', 'slow', '--json', '--workspace', ws]);
    const runId = JSON.parse(String(run.stdout)).run_id as string;
    await waitForRun(ws, runId, 'to be running', (r) => r.stages[0]?.status === 'running');
    // Without --force (or --wait) it refuses while a run is running: test/integration/daemon-stop-runs.test.ts.
    const stop = await cli(['daemon', 'stop', '--force', '--workspace', ws]);
    expect(stop.exitCode).toBe(0);
    expect(String(stop.stdout)).toContain(`interrupted ${runId}`);
    const after = await waitForRun(ws, runId, 'to be interrupted', (r) => r.status === 'interrupted');
    expect(after.error?.code).toBe('ERR_INTERRUPTED');
    expect(lockHolder(daemonPaths(ws).pid)).toBeNull();
  });

  it('stops by itself, with its stages, when its workspace is deleted', async () => {
    const ws = await tempWorkspace({ slow: "stages:\n  - id: one\n    run: 'sleep 30'\n" });
    const pid = await startDaemon(ws);
    const runId = await startRun(ws, 'slow');
    const run = await waitForRun(ws, runId, 'to be running', (r) => r.stages[0]?.pgid !== undefined);
    // As `rm -rf` does, again when the live daemon made a file in a folder between its listing and its removal.
    await rm(ws, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
    await waitFor('the daemon to stop', () => !isAlive(pid), 15_000);
    await waitFor('the stage to stop', () => !isAlive(run.stages[0]?.pgid as number), 5000);
  });

  it('stops when its .pipe-tui is deleted and made again (a workspace removed while it started, then written to)', async () => {
    const ws = await tempWorkspace();
    const pid = await startDaemon(ws);
    await rm(daemonPaths(ws).dir, { recursive: true, force: true });
    await mkdir(daemonPaths(ws).dir);
    await waitFor('the daemon to stop', () => !isAlive(pid), 15_000);
  });
});
