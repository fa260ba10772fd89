import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/tui/App.js';
import { DisplayContext } from '../../src/tui/display.js';
import { cli } from '../helpers/cli.js';
import { startDaemon, startRun, stopDaemons } from '../helpers/daemon.js';
import { removeWorkspaces, tempWorkspace, waitFor } from '../helpers/workspace.js';

const mounted: { unmount: () => void }[] = [];
afterEach(async () => {
  for (const app of mounted.splice(0)) app.unmount();
  await stopDaemons();
  await removeWorkspaces();
});

function mount(workspace: string, startDaemonToo = false, bell = false) {
  const app = render(
    <DisplayContext.Provider value={{ ascii: false, color: false }}>
      <App workspace={workspace} startDaemon={startDaemonToo} bell={bell} />
    </DisplayContext.Provider>,
  );
  mounted.push(app);
  // Generous deadline: the whole suite shares two cores with real daemons and stages.
  const screen = (pattern: RegExp) =>
    waitFor(`the screen to show ${pattern}`, () => (pattern.test(app.lastFrame() ?? '') ? app.lastFrame() : null), 20_000).catch((error: Error) => {
      throw new Error(`${error.message}\n--- last frame ---\n${app.lastFrame()}`);
    });
  return { app, screen };
}

describe('the TUI app on real folders and a real daemon', () => {
  it('shows an empty workspace, read-only without a daemon', async () => {
    const ws = await tempWorkspace();
    await mkdir(path.join(ws, 'runs'));
    const { screen } = mount(ws);
    const out = await screen(/read-only \(no daemon\)/);
    expect(out).toContain('No runs yet. Press n to start one.');
  });

  it('shows runs on disk read-only, a corrupt one as ERR_METADATA_CORRUPT, and says commands need the daemon', async () => {
    const ws = await tempWorkspace({ ok: "stages:\n  - id: one\n    run: 'exit 3'\n" });
    await cli(['run', 'ok', '--foreground', '--workspace', ws]);
    await mkdir(path.join(ws, 'runs', '20000101-000000-000-broken'));
    await writeFile(path.join(ws, 'runs', '20000101-000000-000-broken', 'metadata.json'), '{oops');
    const { app, screen } = mount(ws);
    const out = await screen(/read-only[\s\S]*/);
    await screen(/broken +ERR_METADATA_CORRUPT/);
    expect(out).toMatch(/✘ ok/);
    await screen(/ERR_STAGE_EXIT in one/);
    app.stdin.write('r');
    await screen(/Resume run .*\? y to confirm/);
    app.stdin.write('y');
    await screen(/read-only: no daemon connection, so no commands/);
  });

  it('pages a long log with PgUp, PgDn, Home and End, read from the file on disk', async () => {
    const ws = await tempWorkspace({ chatty: "stages:\n  - id: talk\n    run: 'i=1; while [ $i -le 5000 ]; do echo \"out $i\"; i=$((i+1)); done'\n" });
    await cli(['run', 'chatty', '--foreground', '--workspace', ws]);
    const { app, screen } = mount(ws);
    await screen(/✔ chatty/);
    app.stdin.write('l');
    await screen(/log: talk \(following\)[\s\S]*out 5000/);
    app.stdin.write('\u001b[5~'); // PgUp
    // The page read back from disk: the title changes first, then the lines, so the frame waited for has both.
    const up = await screen(/scrolled back(?![\s\S]*out 5000)[\s\S]*out 49\d\d\b/);
    expect(up).not.toContain('out 5000');
    app.stdin.write('\u001b[1~'); // Home
    await screen(/scrolled back: f follows\)\n=+ pipe-tui: stage talk.*\n *out 1\n *out 2\n/);
    app.stdin.write('\u001b[6~'); // PgDn: the next page starts where this one ended
    await screen(/scrolled back: f follows\)\n *out 1\d\n/);
    app.stdin.write('\u001b[4~'); // End
    await screen(/\(following\)[\s\S]*out 5000/);
  });

  it('rings the bell when a run it shows fails (not for one failed before), and shows the timeline with s', async () => {
    const ws = await tempWorkspace({ boom: "stages:\n  - id: warm\n    run: 'sleep 0.2'\n  - id: boom\n    run: 'sleep 0.5; exit 3'\n" });
    await cli(['run', 'boom', '--foreground', '--workspace', ws]);
    await cli(['run', 'boom', '--foreground', '--workspace', ws]);
    const { app, screen } = mount(ws, false, true);
    await screen(/read-only/);
    await screen(/✘ boom[\s\S]*✘ boom/);
    expect(app.frames.some((f) => f.includes('\u0007'))).toBe(false);
    const third = cli(['run', 'boom', '--foreground', '--workspace', ws]);
    await screen(/▶ boom/);
    await third;
    await waitFor('the bell', () => app.frames.some((f) => f.includes('\u0007')));
    app.stdin.write('s');
    // Three runs of warm are its history (this one included, finished): a sparkline of three, its usual time, once
    // the history is read (the view opens at once and fills in).
    const stats = await screen(/timeline and recent durations[\s\S]*✔ warm +█+ +\d+ms +\S{3} +usually \d+ms/);
    expect(stats).toMatch(/✘ boom +█+ +\S+ +failed 3 of 3/);
  });

  it('read-only, follows a run a foreground CLI starts after it opened, from its folder alone', async () => {
    const ws = await tempWorkspace({ steps: "stages:\n  - id: wait\n    run: 'for i in 1 2 3 4 5 6 7 8 9 10; do echo ::pipe:progress $i/10 step; sleep 0.2; done'\n" });
    await mkdir(path.join(ws, 'runs'));
    const { screen } = mount(ws);
    await screen(/read-only/);
    const foreground = cli(['run', 'steps', '--foreground', '--workspace', ws]);
    await screen(/▶ wait .* [1-9]\/10/);
    await screen(/✔ steps/);
    expect((await foreground).exitCode).toBe(0);
  });

  it('follows a run live from the daemon, shows reconnecting when it dies, and recovers', async () => {
    const ws = await tempWorkspace({ slow: "stages:\n  - id: wait\n    run: 'for i in 1 2 3 4 5 6 7 8 9 10; do echo ::pipe:progress $i/10 step; sleep 0.3; done'\n" });
    const pid = await startDaemon(ws);
    const { screen } = mount(ws);
    await screen(/● live/);
    await startRun(ws, 'slow');
    await screen(/▶ wait .* \d+\/10/);
    process.kill(pid, 'SIGKILL');
    await screen(/reconnecting…|read-only/);
    await startDaemon(ws);
    await screen(/● live/);
    // The events it missed while away arrive after it is live again: here, the new daemon's verdict.
    expect(await screen(/⚡ slow/)).toMatch(/interrupted/);
  });

  it('starts a run with params set in the form the picker opens with Tab', async () => {
    const ws = await tempWorkspace({ greet: "params:\n  who: { default: world, description: whom to greet }\nstages:\n  - id: hi\n    run: 'echo \"hello $PIPE_PARAM_WHO\"'\n" });
    await startDaemon(ws);
    const { app, screen } = mount(ws);
    await screen(/● live/);
    app.stdin.write('n');
    await screen(/greet/);
    app.stdin.write('\t');
    await screen(/who += world▏ +whom to greet/);
    app.stdin.write('\u007f'.repeat(5));
    app.stdin.write('Ada');
    await screen(/who += Ada▏/);
    app.stdin.write('\r');
    await screen(/✔ greet/);
    const [runId] = await readdir(path.join(ws, 'runs'));
    const run = JSON.parse(await readFile(path.join(ws, 'runs', runId ?? '', 'metadata.json'), 'utf8'));
    expect(run.params).toEqual({ who: 'Ada' });
  });

  it('starts a run from the picker and cancels it with c y', async () => {
    const ws = await tempWorkspace({ slow: "stages:\n  - id: wait\n    run: 'sleep 30'\n", other: "stages:\n  - id: x\n    run: 'true'\n" });
    await startDaemon(ws);
    const { app, screen } = mount(ws);
    await screen(/● live/);
    app.stdin.write('n');
    await screen(/New run:/);
    app.stdin.write('sl');
    const picker = await screen(/New run: sl/);
    expect(picker).not.toContain('other');
    app.stdin.write('\r');
    await screen(/▶ wait/);
    app.stdin.write('c');
    await screen(/Cancel run .*\? y to confirm/);
    app.stdin.write('y');
    await screen(/⊘ slow/);
    await screen(/ERR_CANCELLED in wait/);
  });

  it('approves a waiting run with a', async () => {
    const ws = await tempWorkspace({ gate: "stages:\n  - id: publish\n    approval: true\n    run: 'true'\n" });
    await startDaemon(ws);
    const runId = await startRun(ws, 'gate');
    const { app, screen } = mount(ws);
    await screen(/● live/);
    await screen(/publish waits for approval: press a/);
    app.stdin.write('a');
    await screen(/Approve run .*\? y to confirm/);
    app.stdin.write('y');
    await screen(/✔ gate/);
    expect(runId).toBeTruthy();
  });

  it('lists entities with e and shows one with Enter: JSON pretty-printed', async () => {
    const ws = await tempWorkspace({ ent: "stages:\n  - id: make\n    run: |\n      echo '{\"topic\":\"rainbows\",\"n\":2}' > in.json\n      echo '::pipe:entity input in.json {\"k\":1}'\n" });
    await cli(['run', 'ent', '--foreground', '--workspace', ws]);
    const { app, screen } = mount(ws);
    await screen(/✔ ent/);
    app.stdin.write('e');
    await screen(/Entities \(1\)[\s\S]*1 input +01_input\.json/);
    app.stdin.write('\r');
    const shown = await screen(/01_input\.json \(input\)[\s\S]*"topic"/);
    expect(shown).toContain('"topic": "rainbows",');
    app.stdin.write('q');
    await screen(/Entities \(1\)/);
  });
});
