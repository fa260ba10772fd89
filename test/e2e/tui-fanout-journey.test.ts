import { afterEach, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { stopDaemons } from '../helpers/daemon.js';
import { TmuxSession, hasTmux } from '../helpers/tmux.js';
import { removeWorkspaces, tempWorkspace } from '../helpers/workspace.js';

// Issue 15, in the real binary on a real 80×24 terminal: a diamond (left and right side by side after prepare, join
// after both) then a fan-out of 30 items, two of which fail. The TUI shows the two branches running at once and what
// join waits for, the fan-out's counts on its row, and Enter on it lists its items with the failed ones first; the
// chosen item's log (`boom bad3`) shows in the pane.

const describeTerminal = hasTmux || process.env.CI ? describe : describe.skip;

const sessions: TmuxSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.kill()));
  await stopDaemons();
  await removeWorkspaces();
});

const ITEMS = Array.from({ length: 30 }, (_, i) => (i === 3 || i === 17 ? `bad${i}` : `seg-${String(i).padStart(2, '0')}`));
const FANOUT = `stages:
  - id: prepare
    run: 'sleep 0.3'
  - id: left
    needs: [prepare]
    run: 'sleep 2'
  - id: right
    needs: [prepare]
    run: 'sleep 2'
  - id: join
    needs: [left, right]
    run: 'true'
  - id: tts
    needs: [join]
    foreach: [${ITEMS.join(', ')}]
    max_parallel: 3
    run: 'echo "working on $PIPE_ITEM"; case $PIPE_ITEM in bad*) echo "boom $PIPE_ITEM" >&2; exit 3;; esac; sleep 0.3'
`;

describeTerminal('a diamond and a fan-out in a real terminal (tmux, 80x24, NO_COLOR)', () => {
  it('shows the branches side by side, the fan-out counts, and its items failed first with their logs', async () => {
    const ws = await tempWorkspace({ fanout: FANOUT });
    const s = await TmuxSession.start(`node ${BIN} --workspace ${ws}`, { width: 80, height: 24, env: { NO_COLOR: '1' } });
    sessions.push(s);
    await s.waitForScreen(/● live/, 15_000);
    await s.keys('n');
    await s.waitForScreen(/New run:/);
    await s.keys('f', 'a', 'n', 'Enter');

    // Both branches at once, and what join still waits for.
    const diamond = await s.waitForScreen(/▶ left[^\n]*\n[^\n]*▶ right[^\n]*\n[^\n]*· join +← left, right/, 20_000);
    expect(diamond).toMatch(/✔ prepare/);
    // The fan-out running: its bar and counts (done of 30, succeeded, running), chosen since it is the current stage.
    const running = await s.waitForScreen(/› ▶ tts +[█░]+ items \d+\/30 ✔ \d+( ✖ \d)? ▶ [1-3]  \S+/, 20_000);
    expect(running).toMatch(/✔ left[\s\S]*✔ right[\s\S]*✔ join/);
    for (const line of running.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    // Ended: two failed, the others succeeded; the row says so without a bar.
    await s.waitForScreen(/› ✘ tts +items 30\/30 ✔ 28 ✖ 2 .*ERR_ITEMS_FAILED/, 30_000);
    await s.waitForScreen(/Enter items/);

    await s.keys('Enter');
    const list = await s.waitForScreen(/log: tts item 3 \(bad3\) \(following\)[\s\S]*boom bad3/);
    const rows = list.split('\n').filter((line) => /^[› ] [✘✔▶·] +\d+  /.test(line));
    expect(rows[0]).toMatch(/^› ✘ +3 {2}bad3 +ERR_\w+/);
    expect(rows[1]).toMatch(/^ {2}✘ +17 {2}bad17 +ERR_\w+/);
    expect(rows[2]).toMatch(/^ {2}✔ +0 {2}seg-00$/);
    expect(list).toMatch(/^✘ tts · items 30\/30 ✔ 28 ✖ 2/m);
    expect(list).toMatch(/↑↓ item {2}PgUp\/PgDn page/);

    await s.keys('Down');
    await s.waitForScreen(/› ✘ +17 {2}bad17[\s\S]*log: tts item 17 \(bad17\)[\s\S]*working on bad17\n[\s\S]*boom bad17/);
    await s.keys('Down');
    const ok = await s.waitForScreen(/› ✔ +0 {2}seg-00[\s\S]*log: tts item 0 \(seg-00\)[\s\S]*working on seg-00/);
    expect(ok.slice(ok.indexOf('log: tts item 0'))).not.toContain('boom');

    // Esc: back to the run, its stages and its error panel.
    await s.keys('Escape');
    await s.waitForScreen(/✘ fanout[\s\S]*› ✘ tts +items 30\/30[\s\S]*ERR_ITEMS_FAILED/);
  }, 120_000);
});
