import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, cli } from '../helpers/cli.js';
import { stopDaemons } from '../helpers/daemon.js';
import { TmuxSession, hasTmux } from '../helpers/tmux.js';
import { removeWorkspaces, tempWorkspace, waitFor } from '../helpers/workspace.js';

// Issue 16, in the real binary on a real 80×24 terminal: a failed stage's log is searched for `ERR_` (the first
// search from the log's end goes round to its top), n goes to the next match, & keeps only the matching lines, and
// y copies the current one through OSC 52, which tmux (with set-clipboard on) keeps as a paste buffer.

const describeTerminal = hasTmux || process.env.CI ? describe : describe.skip;

const sessions: TmuxSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.kill()));
  await stopDaemons();
  await removeWorkspaces();
});

const FAILS = `stages:
  - id: build
    run: |
      i=1
      while [ $i -le 300 ]; do
        echo "compiling unit $i"
        if [ $((i % 100)) -eq 0 ]; then echo "ERR_LINK unit $i: undefined symbol"; fi
        i=$((i+1))
      done
      i=1; while [ $i -le 40 ]; do echo "cleanup step $i"; i=$((i+1)); done
      exit 2
`;

/** The log pane's rows: under its title, above the footer. */
const pane = (screen: string): string[] => {
  const rows = screen.trimEnd().split('\n');
  const title = rows.findIndex((row) => row.startsWith('log: build'));
  return title < 0 ? [] : rows.slice(title + 1, -1);
};

describeTerminal('searching a failed stage log in a real terminal (tmux, 80x24, NO_COLOR)', () => {
  it('opens the log, finds ERR_ with / and n, filters with &, copies with y', async () => {
    const ws = await tempWorkspace({ fails: FAILS });
    expect((await cli(['run', 'fails', '--foreground', '--workspace', ws])).exitCode).toBe(1);
    const s = await TmuxSession.start(`node ${BIN} --workspace ${ws}`, { width: 80, height: 24, env: { NO_COLOR: '1' } });
    sessions.push(s);
    // tmux keeps what a program copies with OSC 52 as a paste buffer once set-clipboard is on (the helper names
    // each session's server after the test process and the session).
    const tmux = (...args: string[]) => execa('tmux', ['-L', `pipe-tui-test-${process.pid}-${s.name}`, ...args], { reject: false });
    expect((await tmux('set-option', '-s', 'set-clipboard', 'on')).exitCode).toBe(0);
    await s.waitForScreen(/✘ fails[\s\S]*ERR_STAGE_EXIT in build/, 15_000);

    await s.keys('l');
    await s.waitForScreen(/log: build \(following\)[\s\S]*cleanup step 40/);
    await s.keys('/');
    await s.waitForScreen(/^\/▏ +Tab regex · Enter finds · Esc clears$/m);
    await s.keys('E', 'R', 'R', '_', 'Enter');
    // From the last page the next match is pipe-tui's own closing line; the count says how many there are.
    await s.waitForScreen(/\n===== pipe-tui: ERR_STAGE_EXIT: exited with code 2 [^\n]*\n\/ERR_ {2}match 4 of 4/);
    await s.keys('n');
    // The footer says where the view is at once; its lines follow from disk a moment later.
    await s.waitForScreen(/scrolled back: f follows\)\ncompiling unit 99\ncompiling unit 100\nERR_LINK unit 100: undefined symbol\n/);
    await s.waitForScreen(/search went on from the top\n\/ERR_ {2}match 1 of 4/);

    await s.keys('&');
    const filtered = await s.waitForScreen(/log: build · lines matching \/ERR_ · 0 around \(\+ -\) · & back\nERR_LINK/);
    expect(pane(filtered).slice(0, 4)).toEqual([
      'ERR_LINK unit 100: undefined symbol',
      'ERR_LINK unit 200: undefined symbol',
      'ERR_LINK unit 300: undefined symbol',
      expect.stringMatching(/^===== pipe-tui: ERR_STAGE_EXIT/),
    ]);

    await s.keys('y');
    await s.waitForScreen(/copied 1 line/);
    const buffer = await waitFor('tmux to keep what was copied', async () => (await tmux('show-buffer')).stdout || null);
    expect(buffer).toBe('ERR_LINK unit 100: undefined symbol');
  });
});
