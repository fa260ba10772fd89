import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureDaemon } from '../../src/client/daemon-launcher.js';
import { lockHolder } from '../../src/workspace/daemon-pid.js';
import { daemonPaths } from '../../src/workspace/layout.js';
import { BIN, cli } from '../helpers/cli.js';
import { readMetadata, startDaemon, startRun, stopDaemons, waitForRun } from '../helpers/daemon.js';
import { isAlive, removeWorkspaces, tempWorkspace, waitFor } from '../helpers/workspace.js';

afterEach(async () => {
  await stopDaemons();
  await removeWorkspaces();
});

// A stage that runs until the test lets it finish, by creating the file `go`.
const GATE = "stages:\n  - id: hold\n    run: 'while [ ! -f go ]; do sleep 0.05; done'\n";
const SLOW = "stages:\n  - id: s\n    run: 'sleep 30'\n";

describe('daemon stop and the runs it would interrupt', () => {
  it('refuses while a run is running, listing it; --wait lets it finish, then stops the daemon', async () => {
    const ws = await tempWorkspace({ gate: GATE });
    const pid = await startDaemon(ws);
    const runId = await startRun(ws, 'gate');
    await waitForRun(ws, runId, 'to be running', (r) => r.stages[0]?.status === 'running');

    const refused = await cli(['daemon', 'stop', '--workspace', ws]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`^pipe-tui: ERR_RUN_STATE: daemon ${pid} is running a run, which stopping it would interrupt:\\n  ${runId}  gate  running \\(stage hold\\)\\n`));
    expect(refused.stderr).toContain('daemon stop --force interrupts them');
    expect(refused.stderr).toContain('daemon stop --wait');
    expect(isAlive(pid)).toBe(true);
    expect((await readMetadata(ws, runId)).status).toBe('running');
    expect(existsSync(daemonPaths(ws).stopped)).toBe(false);

    const waiting = execa('node', [BIN, 'daemon', 'stop', '--wait', '--workspace', ws], { reject: false, env: { NO_COLOR: '1' } });
    let stderr = '';
    waiting.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await waitFor('stop --wait to say what it waits on', () => stderr.includes(`waiting for a run to end before stopping the daemon: ${runId} (running)`));
    expect(isAlive(pid)).toBe(true);
    await writeFile(path.join(ws, 'go'), '');
    const stopped = await waiting;
    expect(stopped.exitCode, String(stopped.stderr)).toBe(0);
    expect(stopped.stdout).toBe(`daemon ${pid} stopped`);
    expect((await readMetadata(ws, runId)).status).toBe('succeeded');
    expect(isAlive(pid)).toBe(false);
  });

  it('--force interrupts the running run and says which, leaving a queued one for the next daemon', async () => {
    const ws = await tempWorkspace({ slow: SLOW });
    await startDaemon(ws, ['--concurrency', '1']);
    const first = await startRun(ws, 'slow');
    const second = await startRun(ws, 'slow');
    await waitForRun(ws, first, 'to be running', (r) => r.stages[0]?.status === 'running');
    const stop = await cli(['daemon', 'stop', '--force', '--json', '--workspace', ws]);
    expect(stop.exitCode, String(stop.stderr)).toBe(0);
    expect(JSON.parse(String(stop.stdout))).toMatchObject({ stopped: true, interrupted: [first], left_running: [], queued: [second] });
    expect((await waitForRun(ws, first, 'to be interrupted', (r) => r.status === 'interrupted')).error?.code).toBe('ERR_INTERRUPTED');
    expect((await readMetadata(ws, second)).status).toBe('queued');
    expect((await cli(['daemon', 'stop', '--force', '--wait', '--workspace', ws])).stderr).toMatch(/ERR_USAGE: give --force .* or --wait .*, not both/);
  });
});

describe('a daemon stopped on purpose', () => {
  it('is marked so: status exits 3 and says it; a client that merely connects does not start it again; an explicit start does', async () => {
    const ws = await tempWorkspace({ gate: GATE });
    await writeFile(path.join(ws, 'go'), '');
    const none = await cli(['daemon', 'status', '--workspace', ws]);
    expect(none.exitCode).toBe(3);
    expect(JSON.parse(String((await cli(['daemon', 'status', '--json', '--workspace', ws])).stdout))).toMatchObject({ running: false, stopped_on_purpose: false });

    const pid = await startDaemon(ws);
    expect((await cli(['daemon', 'status', '--workspace', ws])).exitCode).toBe(0);
    expect((await cli(['daemon', 'stop', '--workspace', ws])).exitCode).toBe(0);
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(daemonPaths(ws).stopped)).toBe(true);
    const status = await cli(['daemon', 'status', '--json', '--workspace', ws]);
    expect(status.exitCode).toBe(3);
    expect(JSON.parse(String(status.stdout))).toMatchObject({ running: false, stopped_on_purpose: true });
    expect((await cli(['daemon', 'status', '--workspace', ws])).stdout).toContain('stopped on purpose');

    // The TUI opening ('auto'): no daemon is started behind the user's back, and the mark stays.
    await expect(ensureDaemon(ws, { start: 'auto', timeoutMs: 1000 })).rejects.toMatchObject({ code: 'ERR_DAEMON_UNREACHABLE', message: expect.stringContaining('stopped on purpose') });
    expect(lockHolder(daemonPaths(ws).pid)).toBeNull();
    expect(existsSync(daemonPaths(ws).stopped)).toBe(true);

    // `run` acts: it starts one, and the mark goes.
    const run = await cli(['run', 'gate', '--workspace', ws]);
    expect(run.exitCode, String(run.stderr)).toBe(0);
    expect(existsSync(daemonPaths(ws).stopped)).toBe(false);
    await waitForRun(ws, String(run.stdout).trim(), 'to succeed', (r) => r.status === 'succeeded');
    const again = lockHolder(daemonPaths(ws).pid) as number;
    expect(again).not.toBeNull();
    expect((await cli(['daemon', 'stop', '--workspace', ws])).exitCode).toBe(0);
    await waitFor('the daemon to be gone', () => !isAlive(again));
    expect(existsSync(daemonPaths(ws).stopped)).toBe(true);
    // `daemon start` too.
    await startDaemon(ws);
    expect(existsSync(daemonPaths(ws).stopped)).toBe(false);
  });
});
