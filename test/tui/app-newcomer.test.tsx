import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { render } from 'ink-testing-library';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { lockHolder } from '../../src/workspace/daemon-pid.js';
import { daemonPaths } from '../../src/workspace/layout.js';
import { App } from '../../src/tui/App.js';
import { DisplayContext } from '../../src/tui/display.js';
import { BIN, cli } from '../helpers/cli.js';
import { startDaemon, startRun, stopDaemons } from '../helpers/daemon.js';
import { isAlive, removeWorkspaces, tempWorkspace, waitFor } from '../helpers/workspace.js';

// The TUI as a newcomer meets it, on real folders and real daemons: one App each, at 80 columns.

beforeAll(() => {
  // A daemon the TUI starts itself is this repository's binary, not the test runner.
  process.env.PIPE_TUI_ENTRY = BIN;
});

const mounted: { unmount: () => void }[] = [];
afterEach(async () => {
  for (const app of mounted.splice(0)) app.unmount();
  await stopDaemons();
  await removeWorkspaces();
});

function mount(workspace: string, options: { startDaemon?: boolean; ascii?: boolean } = {}) {
  const app = render(
    <DisplayContext.Provider value={{ ascii: options.ascii ?? false, color: false }}>
      <App workspace={workspace} startDaemon={options.startDaemon ?? false} />
    </DisplayContext.Provider>,
  );
  mounted.push(app);
  // The test library's terminal is 100 columns wide: made 80, as a newcomer's is.
  Object.defineProperty(app.stdout, 'columns', { value: 80 });
  app.stdout.emit('resize');
  const screen = (pattern: RegExp, what = `the screen to show ${pattern}`) =>
    waitFor(what, () => (pattern.test(app.lastFrame() ?? '') ? (app.lastFrame() ?? '') : null), 20_000).catch((error: Error) => {
      throw new Error(`${error.message}\n--- last frame ---\n${app.lastFrame()}`);
    });
  return { app, screen };
}

const TRAIN = "stages:\n  - id: prep\n    run: 'echo prep-out'\n  - id: train\n    run: 'i=1; while [ $i -le 30 ]; do echo \"train line $i\"; i=$((i+1)); done'\n";
const GATE = "stages:\n  - id: publish\n    approval: true\n    run: 'echo published'\n";
const HELLO = "description: says hello\nstages:\n  - id: greet\n    run: 'echo hello'\n";

describe('the log pane belongs to the run and stage it names', () => {
  it("shows a new run's waiting stage as having no output yet, never the previous run's log, and keeps each run's stage", async () => {
    const ws = await tempWorkspace({ train: TRAIN, gate: GATE });
    await cli(['run', 'train', '--foreground', '--workspace', ws]);
    await startDaemon(ws);
    const { app, screen } = mount(ws);
    await screen(/● live/);
    await screen(/✔ train/);
    app.stdin.write('l');
    await screen(/log: train \(following\)[\s\S]*train line 30/);
    app.stdin.write('h');
    await screen(/log: prep \(following\)[\s\S]*prep-out/);
    await startRun(ws, 'gate');
    const shown = await screen(/log: publish/);
    expect(shown).not.toMatch(/train line|prep-out/);
    await screen(/log: publish[\s\S]*no output yet/);
    app.stdin.write('j');
    await screen(/› [^\n]*train[\s\S]*log: prep \(following\)[\s\S]*prep-out/);
  });
});

describe('times tick while shown', () => {
  it('the age of a run that ended goes on counting with no event at all', async () => {
    const ws = await tempWorkspace({ hello: HELLO });
    await cli(['run', 'hello', '--foreground', '--workspace', ws]);
    const { app, screen } = mount(ws);
    const age = (frame: string): string | null => /✔ hello +\w+ +(\S+) ago/.exec(frame)?.[1] ?? null;
    const first = age(await screen(/✔ hello +\w+ +\S+ ago/));
    await waitFor('the age to change', () => {
      const now = age(app.lastFrame() ?? '');
      return now !== null && now !== first;
    }, 20_000);
  });
});

describe('notes and keys', () => {
  it('keeps the line and column of a YAML error in the note, wrapped to 80 columns', async () => {
    const ws = await tempWorkspace({ broken: 'stages:\n  - id: a\n    run: [unclosed\n' });
    const { app, screen } = mount(ws);
    await screen(/read-only|connecting/);
    app.stdin.write('n');
    await screen(/broken/);
    app.stdin.write('\t');
    const out = await screen(/ERR_PIPELINE_INVALID/);
    expect(out.replace(/\s+/g, ' ')).toMatch(/line \d+, column \d+/);
    for (const line of out.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });

  it('d then y deletes a finished run and its folder, and the note fades', async () => {
    const ws = await tempWorkspace({ hello: HELLO });
    const ran = await cli(['run', 'hello', '--foreground', '--json', '--workspace', ws]);
    const runId = JSON.parse(ran.stdout).run_id as string;
    const { app, screen } = mount(ws);
    await screen(/✔ hello/);
    app.stdin.write('d');
    await screen(/Delete run \d{8}-\d{6}-\d{3}-\w+ and its folder\?/);
    app.stdin.write('y');
    await screen(new RegExp(`deleted run ${runId}`));
    expect(existsSync(path.join(ws, 'runs', runId))).toBe(false);
    await screen(/No runs yet/);
    await screen(/^(?![\s\S]*deleted run)/, 'the note to fade');
  });

  it('R runs the selected run again with its params after y, and selects the new run', async () => {
    const ws = await tempWorkspace({ greet: "params:\n  who: { default: world }\nstages:\n  - id: hi\n    run: 'echo \"hi $PIPE_PARAM_WHO\"'\n" });
    await startDaemon(ws);
    const first = await startRun(ws, 'greet', { who: 'Ada' });
    const { app, screen } = mount(ws);
    await screen(/● live/);
    await screen(/✔ greet/);
    app.stdin.write('R');
    await screen(/Run greet again .*\? y to confirm/);
    app.stdin.write('y');
    const again = /started greet again: (\S+)/.exec(await screen(/started greet again: \S+/))?.[1] ?? '';
    expect(again).not.toBe(first);
    // Selected once it appears: its own header under the list.
    await screen(new RegExp(`\n✔ greet ${again}`));
    const run = JSON.parse(await readFile(path.join(ws, 'runs', again, 'metadata.json'), 'utf8'));
    expect(run.params).toEqual({ who: 'Ada' });
  });
});

describe('the daemon, started when needed and not against a stop', () => {
  it('starts no daemon in a workspace without pipelines until a run is started', async () => {
    const ws = await tempWorkspace();
    await rm(path.join(ws, 'pipelines'), { recursive: true });
    const { app, screen } = mount(ws, { startDaemon: true });
    await screen(/● no daemon yet/);
    app.stdin.write('n');
    await screen(/pipelines\/\*\.yaml[\s\S]*stages:/);
    expect(existsSync(daemonPaths(ws).dir)).toBe(false);
    await mkdir(path.join(ws, 'pipelines'));
    await writeFile(path.join(ws, 'pipelines', 'hello.yaml'), HELLO);
    app.stdin.write('\x1b');
    await screen(/No runs yet/);
    app.stdin.write('n');
    await screen(/hello +says hello/);
    app.stdin.write('\r');
    await screen(/✔ hello/);
    await screen(/● live/);
  });

  it('does not restart a daemon stopped on purpose (.pipe-tui/stopped), says so, and D starts one', async () => {
    const ws = await tempWorkspace({ hello: HELLO });
    const pid = await startDaemon(ws);
    const { app, screen } = mount(ws, { startDaemon: true });
    await screen(/● live/);
    await writeFile(path.join(daemonPaths(ws).dir, 'stopped'), '');
    process.kill(pid, 'SIGTERM');
    await waitFor(`daemon ${pid} to exit`, () => !isAlive(pid));
    await screen(/daemon stopped · D starts it/);
    expect(lockHolder(daemonPaths(ws).pid)).toBeNull();
    app.stdin.write('D');
    await screen(/● live/);
    expect(lockHolder(daemonPaths(ws).pid)).not.toBeNull();
  });

  it('opens on a stopped workspace without starting its daemon', async () => {
    const ws = await tempWorkspace({ hello: HELLO });
    await mkdir(daemonPaths(ws).dir, { recursive: true });
    await writeFile(path.join(daemonPaths(ws).dir, 'stopped'), '');
    const { screen } = mount(ws, { startDaemon: true });
    await screen(/daemon stopped · D starts it/);
    expect(lockHolder(daemonPaths(ws).pid)).toBeNull();
  });
});

describe('--ascii', () => {
  it('draws every view of a failed run in ASCII', async () => {
    const ws = await tempWorkspace({ boom: "stages:\n  - id: warm\n    run: 'echo warm'\n  - id: boom\n    run: 'echo oops; exit 3'\n" });
    await cli(['run', 'boom', '--foreground', '--workspace', ws]);
    const { app, screen } = mount(ws, { ascii: true });
    const ascii = (out: string): void => expect(out, out).not.toMatch(/[^\x00-\x7f]/);
    ascii(await screen(/ERR_STAGE_EXIT in boom[\s\S]*read-only/));
    app.stdin.write('l');
    ascii(await screen(/log: boom/));
    app.stdin.write('?');
    ascii(await screen(/Keys/));
    app.stdin.write('x');
    await screen(/log: boom/);
    app.stdin.write('/b');
    ascii(await screen(/\/b_/));
    app.stdin.write('\x1b');
    await screen(/q quit/);
    app.stdin.write('c');
    ascii(await screen(/already finished/));
  });
});
