import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, cli } from '../helpers/cli.js';
import { stopDaemons } from '../helpers/daemon.js';
import { TmuxSession, hasTmux } from '../helpers/tmux.js';
import { removeWorkspaces, runIn, tempWorkspace } from '../helpers/workspace.js';

// A newcomer's first hour, in the real binary on a real 80×24 terminal: the log pane shows what its title names,
// stray letters do not act, and a new run is never out of sight.

const describeTerminal = hasTmux || process.env.CI ? describe : describe.skip;

const sessions: TmuxSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.kill()));
  await stopDaemons();
  await removeWorkspaces();
});

const PIPELINES = {
  train: "stages:\n  - id: prep\n    run: 'echo prep-out'\n  - id: train\n    run: 'i=1; while [ $i -le 30 ]; do echo \"train line $i\"; i=$((i+1)); done'\n",
  gate: "description: waits for a yes\nstages:\n  - id: publish\n    approval: true\n    run: 'echo published'\n",
  hello: "description: says hello\nstages:\n  - id: greet\n    run: 'echo hello'\n",
  quick: "stages:\n  - id: q\n    run: 'true'\n",
};

const tui = async (ws: string): Promise<TmuxSession> => {
  const session = await TmuxSession.start(`node ${BIN} --workspace ${ws}`, { width: 80, height: 24, env: { NO_COLOR: '1' } });
  sessions.push(session);
  await session.waitForScreen(/● live/, 15_000);
  return session;
};
const newestRun = async (ws: string): Promise<string> => (await readdir(path.join(ws, 'runs'))).sort().at(-1) ?? '';

describeTerminal('a newcomer in a real terminal (tmux, 80x24)', () => {
  it("the log pane follows the run and stage it names: a new run's waiting stage has no output yet, and each run keeps its stage", async () => {
    const ws = await tempWorkspace(PIPELINES);
    await cli(['run', 'train', '--foreground', '--workspace', ws]);
    const s = await tui(ws);
    await s.waitForScreen(/✔ train/);
    await s.keys('l');
    await s.waitForScreen(/log: train \(following\)[\s\S]*train line 30/);
    await s.keys('h');
    await s.waitForScreen(/log: prep \(following\)[\s\S]*prep-out/);
    await s.keys('n');
    await s.waitForScreen(/New run:/);
    await s.keys('g', 'a', 't', 'e');
    await s.waitForScreen(/New run: gate/);
    await s.keys('Enter');
    const opened = await s.waitForScreen(/log: publish[\s\S]*no output yet/);
    expect(opened).not.toMatch(/train line|prep-out/);
    // Queued a moment on a busy machine, then at its gate: the pane still names publish, still without output.
    const waiting = await s.waitForScreen(/› ⏸ publish[\s\S]*log: publish[\s\S]*no output yet/);
    expect(waiting).not.toMatch(/train line|prep-out/);
    await s.keys('j');
    await s.waitForScreen(/› ✔ train[\s\S]*› ✔ prep[\s\S]*log: prep \(following\)[\s\S]*prep-out/);
    await s.keys('k');
    const back = await s.waitForScreen(/log: publish[\s\S]*no output yet/);
    expect(back).not.toMatch(/prep-out/);
  });

  it('typing /mani searches instead of acting; Enter keeps the filter, Esc clears it; a and c ask or explain', async () => {
    const ws = await tempWorkspace(PIPELINES);
    await cli(['run', 'hello', '--foreground', '--workspace', ws]);
    const s = await tui(ws);
    await s.keys('n', 'g', 'a', 't', 'e', 'Enter');
    await s.waitForScreen(/publish waits for approval: press a/);
    await s.keys('/', 'm', 'a', 'n', 'i');
    const searching = await s.waitForScreen(/No run matches \/mani[\s\S]*\/mani▏/);
    expect(searching).not.toMatch(/New run:/);
    await s.keys('Escape');
    const cleared = await s.waitForScreen(/⏸ gate[\s\S]*✔ hello[\s\S]*q quit/);
    expect(cleared).toMatch(/publish waits for approval/);
    await s.keys('/', 'h', 'e', 'l');
    await s.waitForScreen(/\/hel▏/);
    await s.keys('Enter');
    const kept = await s.waitForScreen(/› ✔ hello[\s\S]*q quit/);
    expect(kept).not.toMatch(/⏸ gate/);
    await s.keys('Escape');
    await s.waitForScreen(/› ⏸ gate/);
    await s.keys('a');
    await s.waitForScreen(/Approve run \S+\? y to confirm/);
    await s.keys('y');
    await s.waitForScreen(/✔ gate/);
    await s.keys('c');
    await s.waitForScreen(/already finished \(succeeded\)/);
  });

  it('a run started with n is selected once it appears, ↑ N newer counts the runs above, g/G and Home/End jump', async () => {
    const ws = await tempWorkspace(PIPELINES);
    for (let i = 0; i < 12; i++) await runIn(ws, 'quick');
    const oldest = ((await readdir(path.join(ws, 'runs'))).sort()[0] ?? '').slice(-6);
    const s = await tui(ws);
    await s.keys('G');
    await s.waitForScreen(new RegExp(`↑ \\d+ newer[\\s\\S]*› ✔ quick +${oldest}`));
    await s.keys('n', 'q', 'u', 'i', 'Enter');
    await s.waitForScreen(/started quick/);
    const started = (await newestRun(ws)).slice(-6);
    const shown = await s.waitForScreen(new RegExp(`› . quick +${started}`));
    expect(shown).not.toMatch(/newer/);
    await s.keys('End');
    await s.waitForScreen(new RegExp(`↑ \\d+ newer[\\s\\S]*› ✔ quick +${oldest}`));
    await s.keys('Home');
    await s.waitForScreen(new RegExp(`› ✔ quick +${started}`));
  });
});
