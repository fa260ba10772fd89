import { afterEach, describe, expect, it } from 'vitest';
import { lockHolder } from '../../src/workspace/daemon-pid.js';
import { daemonPaths } from '../../src/workspace/layout.js';
import { BIN, cli } from '../helpers/cli.js';
import { stopDaemons } from '../helpers/daemon.js';
import { TmuxSession, hasTmux } from '../helpers/tmux.js';
import { removeWorkspaces, tempWorkspace, waitFor } from '../helpers/workspace.js';

const describeTerminal = hasTmux || process.env.CI ? describe : describe.skip;

const sessions: TmuxSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.kill()));
  await stopDaemons();
  await removeWorkspaces();
});

const PIPELINES = {
  slow: "stages:\n  - id: crunch\n    run: 'i=0; while [ $i -lt 200 ]; do i=$((i+1)); echo ::pipe:progress $i/200 chunk; sleep 0.1; done'\n  - id: after\n    run: 'true'\n",
  gate: "stages:\n  - id: draft\n    run: 'true'\n  - id: publish\n    approval: true\n    run: 'echo published'\n",
};

const tui = async (ws: string): Promise<TmuxSession> => {
  const session = await TmuxSession.start(`node ${BIN} --workspace ${ws}; echo EXIT=$?; sleep 60`, { env: { NO_COLOR: '1' } });
  sessions.push(session);
  await session.waitForScreen(/● live/, 15_000);
  return session;
};
const count = (screen: string): number => Number(/▶ crunch .*?(\d+)\/200/.exec(screen)?.[1] ?? -1);

describeTerminal('the TUI in a real terminal (tmux, 80x24, NO_COLOR)', () => {
  it('starts a run from the picker, shows it move, survives the terminal dying, cancels with c y, resumes with r, quits with q', async () => {
    const ws = await tempWorkspace(PIPELINES);
    const first = await tui(ws);
    await first.keys('n');
    await first.waitForScreen(/New run:/);
    await first.keys('s', 'l');
    await first.waitForScreen(/New run: sl/);
    await first.keys('Enter');
    const a = count(await first.waitForScreen(/▶ crunch .*\d+\/200/));
    // Moving: a later count than the first (a pattern with a look-ahead matched 15/200 again as 5/200).
    const b = count(await waitFor(`crunch to move past ${a}/200`, async () => {
      const screen = await first.capture();
      return count(screen) > a ? screen : null;
    }, 15_000));
    expect(b).toBeGreaterThan(a);
    expect(await first.capture()).not.toContain('\x1b');

    await first.kill(); // the SSH connection drops
    const second = await tui(ws);
    // The run went on while no terminal watched it: the new screen shows it further along.
    const c = count(await waitFor(`crunch past ${b}/200 in the new terminal`, async () => {
      const screen = await second.capture();
      return count(screen) > b ? screen : null;
    }, 15_000));
    expect(c).toBeGreaterThan(b);

    await second.keys('c');
    await second.waitForScreen(/y to confirm/);
    await second.keys('y');
    await second.waitForScreen(/⊘ slow/);
    await second.keys('r');
    await second.waitForScreen(/Resume run \S+\? y to confirm/);
    await second.keys('y');
    await second.waitForScreen(/▶ slow/);
    await second.keys('q');
    await second.waitForScreen(/EXIT=0/);
    expect(lockHolder(daemonPaths(ws).pid)).not.toBeNull();
    await cli(['daemon', 'stop', '--force', '--workspace', ws]);
  });

  it('approves a waiting run with a, shows its timeline with s, and help with ?', async () => {
    const ws = await tempWorkspace(PIPELINES);
    const session = await tui(ws);
    await session.keys('n', 'g', 'a', 'Enter');
    await session.waitForScreen(/publish waits for approval: press a/);
    await session.keys('a');
    await session.waitForScreen(/Approve run \S+\? y to confirm/);
    await session.keys('y');
    await session.waitForScreen(/✔ gate/);
    await session.keys('s');
    const stats = await session.waitForScreen(/timeline and recent durations/);
    expect(stats).toMatch(/✔ publish +█+/);
    await session.keys('x');
    await session.waitForScreen(/✔ gate/);
    await session.keys('?');
    const help = await session.waitForScreen(/Keys/);
    expect(help).toContain('quit (the daemon and its runs go on)');
  });

  it('keeps keys typed before the screen is up', async () => {
    const ws = await tempWorkspace(PIPELINES);
    const session = await TmuxSession.start(`node ${BIN} --workspace ${ws}`, { env: { NO_COLOR: '1' } });
    sessions.push(session);
    // Sent as the process starts: the TUI has not drawn a thing yet, let alone loaded its key handler.
    await session.keys('?');
    const help = await session.waitForScreen(/Keys/, 15_000);
    expect(help).not.toMatch(/^\?/m); // not echoed onto the screen by a terminal still in cooked mode
    await session.waitForScreen(/● live/, 15_000); // the daemon it started is up, and stopped with the workspace
  });
});
