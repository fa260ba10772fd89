import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { TmuxSession, hasTmux } from '../helpers/tmux.js';
import { isAlive, removeWorkspaces, tempWorkspace, waitFor } from '../helpers/workspace.js';

// In CI a missing tmux is a broken setup, not a reason to skip the journey.
const describeTerminal = hasTmux || process.env.CI ? describe : describe.skip;

const sessions: TmuxSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.kill()));
  await removeWorkspaces();
});

const PIPELINE = `stages:
  - id: prepare
    run: 'echo preparing'
  - id: crunch
    run: 'sleep 60 & echo $! > gc.pid; i=0; while [ $i -lt 300 ]; do i=$((i+1)); echo "::pipe:progress $i/300 chunk $i"; sleep 0.1; done'
  - id: publish
    run: 'true'
`;

describeTerminal('run --foreground in a real terminal (tmux, 80x24, NO_COLOR)', () => {
  it('shows live progress, and Ctrl-C cancels: exit 130, cancelled on screen, no process left', async () => {
    const ws = await tempWorkspace({ long: PIPELINE });
    const session = await TmuxSession.start(`node ${BIN} run long --foreground --workspace ${ws}; echo EXIT=$?; sleep 60`, { env: { NO_COLOR: '1' } });
    sessions.push(session);
    const first = await session.waitForScreen(/▶ crunch .* (\d+)\/300/);
    const firstCount = Number(/(\d+)\/300/.exec(first)?.[1]);
    expect(first).toMatch(/✔ prepare/);
    expect(first).not.toContain('\x1b');
    const later = await session.waitForScreen(new RegExp(`▶ crunch .* (?!${firstCount}/)(\\d+)/300`));
    expect(Number(/(\d+)\/300/.exec(later)?.[1])).toBeGreaterThan(firstCount);

    const grandchild = Number(await readFile(path.join(ws, 'gc.pid'), 'utf8'));
    await session.keys('C-c');
    const end = await session.waitForScreen(/EXIT=130/);
    expect(end).toMatch(/⊘ long \S+ · cancelled/);
    expect(end).toMatch(/⊘ crunch .*ERR_CANCELLED/);
    expect(end).toMatch(/· publish/);
    await waitFor('the grandchild to be gone', () => !isAlive(grandchild), 5000);
  });

  it('a finished run leaves its summary on screen and exits 0', async () => {
    const ws = await tempWorkspace({ quick: "stages:\n  - id: one\n    run: 'echo ::pipe:progress 1/1'\n  - id: two\n    run: 'true'\n" });
    const session = await TmuxSession.start(`node ${BIN} run quick --foreground --workspace ${ws}; echo EXIT=$?; sleep 60`, { env: { NO_COLOR: '1' } });
    sessions.push(session);
    const end = await session.waitForScreen(/EXIT=\d+/);
    expect(end).toContain('EXIT=0');
    expect(end).toMatch(/✔ quick \S+ · succeeded · 2\/2/);
    expect(end).toMatch(/✔ one/);
    expect(end).toMatch(/✔ two/);
  });
});
