import { cp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { stopDaemons } from '../helpers/daemon.js';
import { TmuxSession, hasTmux } from '../helpers/tmux.js';
import { removeWorkspaces, tempWorkspace } from '../helpers/workspace.js';

// In CI a missing tmux is a broken setup, not a reason to skip the journey.
const describeTerminal = hasTmux || process.env.CI ? describe : describe.skip;

const sessions: TmuxSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.kill()));
  await stopDaemons();
  await removeWorkspaces();
});

const REPO = path.resolve(import.meta.dirname, '../..');

// A stage that talks, waits for the test's go-ahead, then fails with its reasons on stderr. One of its lines
// would clear the screen and retitle the window if it reached the terminal as it is. Its wait is bounded, so a
// failed test whose daemon is killed leaves no stage behind for long.
const TALKER = `stages:
  - id: prep
    run: 'echo prepared'
  - id: talk
    timeout: 60s
    run: |
      echo "loading the model"
      printf 'step 1 of 3 \\033[2J\\033]0;pwned\\007 tokens\\n'
      i=0; while [ ! -f go ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done
      for i in 1 2 3 4 5 6; do echo "reason $i" >&2; done
      exit 4
`;

async function terminal(command: string, ws: string): Promise<TmuxSession> {
  const session = await TmuxSession.start(`cd ${ws} && node ${BIN} ${command}; echo EXIT=$?; sleep 60`, { env: { NO_COLOR: '1' } });
  sessions.push(session);
  return session;
}

describeTerminal('run --follow and --foreground in a real terminal (tmux, 80x24, NO_COLOR)', () => {
  it('pipe-tui run hello --follow: the run from its first stage to its end, exit 0', async () => {
    const ws = await tempWorkspace();
    await cp(path.join(REPO, 'pipelines', 'hello.yaml'), path.join(ws, 'pipelines', 'hello.yaml'));
    await cp(path.join(REPO, 'pipelines', 'stages', 'hello'), path.join(ws, 'pipelines', 'stages', 'hello'), { recursive: true });
    const session = await terminal('run hello --follow', ws);
    const end = await session.waitForScreen(/EXIT=\d+/, 20_000);
    expect(end).toContain('EXIT=0');
    expect(end).toMatch(/✔ hello \S+ · succeeded · 2\/2/);
    expect(end).toMatch(/✔ greet\s+\d/);
    expect(end).toMatch(/✔ count\s+\d/);
    expect(end).not.toMatch(/-\d+ms/);
  });

  it.each(['--follow', '--foreground'])("run %s shows the running stage's last line, made safe, then a failure's last lines", async (mode) => {
    const ws = await tempWorkspace({ talker: TALKER });
    const session = await terminal(`run talker ${mode}`, ws);
    const running = await session.waitForScreen(/▶ talk[\s\S]*│ step 1 of 3/);
    expect(running).toMatch(/│ step 1 of 3 {2}tokens/);
    expect(running).toMatch(/talker \S+ · running/);
    expect(running).not.toContain('pwned');
    await writeFile(path.join(ws, 'go'), '');
    const end = await session.waitForScreen(/EXIT=\d+/);
    expect(end).toContain('EXIT=1');
    expect(end).toMatch(/✘ talk .*ERR_STAGE_EXIT: exited with code 4/);
    // The last five lines of its last attempt, under the error, in order.
    expect(end).toMatch(/│ reason 2\n\s+│ reason 3\n\s+│ reason 4\n\s+│ reason 5\n\s+│ reason 6\n/);
    expect(end).not.toContain('reason 1');
    expect(end).not.toContain('step 1 of 3');
  });

  it('--quiet shows neither the live line nor the failure lines', async () => {
    const ws = await tempWorkspace({ talker: TALKER });
    await writeFile(path.join(ws, 'go'), '');
    const session = await terminal('run talker --foreground --quiet', ws);
    const end = await session.waitForScreen(/EXIT=\d+/);
    expect(end).toContain('EXIT=1');
    expect(end).toMatch(/✘ talk .*ERR_STAGE_EXIT/);
    expect(end).not.toContain('│');
  });
});
