import { afterEach, describe, expect, it } from 'vitest';
import { BIN, cli } from '../helpers/cli.js';
import { stopDaemons, waitForRun } from '../helpers/daemon.js';
import { TmuxSession, hasTmux } from '../helpers/tmux.js';
import { removeWorkspaces, tempWorkspace } from '../helpers/workspace.js';
import { lockHolder } from '../../src/workspace/daemon-pid.js';
import { daemonPaths } from '../../src/workspace/layout.js';

const describeTerminal = hasTmux || process.env.CI ? describe : describe.skip;

const sessions: TmuxSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.kill()));
  // The journey's daemon was started by the binary in tmux, not by a helper: stop it the user's way.
  await stopDaemons();
  await removeWorkspaces();
});

const SLOW = "stages:\n  - id: fetch\n    run: 'for i in 1 2 3 4 5 6 7 8; do echo ::pipe:progress $i/8 fetching; sleep 0.25; done'\n  - id: store\n    run: 'echo stored'\n";

describeTerminal('a run through the daemon, from a terminal that goes away', () => {
  it('run --follow shows it live; killing the terminal stops nothing; a new terminal follows it to the end', async () => {
    const ws = await tempWorkspace({ slow: SLOW });
    const first = await TmuxSession.start(`node ${BIN} run slow --follow --workspace ${ws}; echo EXIT=$?; sleep 60`, { env: { NO_COLOR: '1' } });
    sessions.push(first);
    const screen = await first.waitForScreen(/▶ fetch .*\d\/8/);
    const runId = /(\d{8}-\d{6}-\d{3}-[a-z0-9]{6})/.exec(screen)?.[1] as string;
    expect(runId).toBeTruthy();
    await first.kill(); // the SSH session drops: SIGHUP to everything in that terminal
    const second = await TmuxSession.start(`node ${BIN} run --help >/dev/null; node ${BIN} logs ${runId} -f --workspace ${ws}; node ${BIN} status ${runId} --workspace ${ws}; echo EXIT=$?; sleep 60`, { env: { NO_COLOR: '1' } });
    sessions.push(second);
    const end = await second.waitForScreen(/EXIT=\d+/, 15_000);
    expect(end).toMatch(new RegExp(`run ${runId} succeeded`));
    expect(end).toContain('stored');
    expect(end).toContain('EXIT=0');
    expect((await waitForRun(ws, runId, 'to have succeeded', () => true)).status).toBe('succeeded');
    expect(lockHolder(daemonPaths(ws).pid)).not.toBeNull();
    await cli(['daemon', 'stop', '--workspace', ws]);
  });
});
