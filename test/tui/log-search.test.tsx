import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import chalk from 'chalk';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { renderLine } from '../../src/shared/terminal-text.js';
import { App } from '../../src/tui/App.js';
import { LogPane } from '../../src/tui/components/LogPane.js';
import { DisplayContext } from '../../src/tui/display.js';
import { markLines } from '../../src/tui/marks.js';
import { cli } from '../helpers/cli.js';
import { removeWorkspaces, tempWorkspace } from '../helpers/workspace.js';
import { screenOf } from '../helpers/ink-screen.js';

// Issue 16 in the TUI, on a real run whose log is several megabytes (so every search spans chunks): `/needle` finds
// the needles near its start, middle and end in turn, n wraps, N goes back, & pages the matching lines from disk,
// E lands on the traceback, y and Y put OSC 52 with the text as shown into what the TUI writes.

const mounted: { unmount: () => void }[] = [];
afterEach(async () => {
  for (const app of mounted.splice(0)) app.unmount();
  await removeWorkspaces();
});

const LINES = 60_000;
const NEEDLES: Record<number, string> = { 10: 'needle one near the start', 30_001: 'the middle Needle two', 59_800: 'needle three near the end' };
const TRACEBACK = ['Traceback (most recent call last):', '  File "train.py", line 12, in <module>', '    main()', 'ValueError: shapes (3,) and (4,) not aligned'];

/** A log of LINES lines (about 3.5 MB): filler, needles, a marker every 600th line, and a traceback at its end. */
function bigLog(): string {
  const lines: string[] = [];
  for (let i = 1; i <= LINES; i++) lines.push(NEEDLES[i] ?? (i % 600 === 0 ? `marker ${i / 600} reached` : `line ${String(i).padStart(6, '0')} of the filler, nothing here`));
  return `${[...lines, ...TRACEBACK].join('\n')}\n`;
}

async function workspace(fail: boolean, log: (file: string) => Promise<void> = (file) => writeFile(file, bigLog())): Promise<string> {
  const ws = await tempWorkspace();
  await log(path.join(ws, 'big.txt'));
  await writeFile(path.join(ws, 'pipelines', 'big.yaml'), `stages:\n  - id: talk\n    run: 'cat ${path.join(ws, 'big.txt')}${fail ? '; exit 1' : ''}'\n`);
  expect((await cli(['run', 'big', '--foreground', '--workspace', ws])).exitCode).toBe(fail ? 1 : 0);
  return ws;
}

function mount(ws: string) {
  const app = render(
    <DisplayContext.Provider value={{ ascii: false, color: false }}>
      <App workspace={ws} startDaemon={false} />
    </DisplayContext.Provider>,
  );
  mounted.push(app);
  Object.defineProperty(app.stdout, 'columns', { value: 80 });
  app.stdout.emit('resize');
  const screen = screenOf(app);
  return { app, screen };
}

/** The log pane's rows: those under its title, down to the footer. */
const pane = (frame: string): string[] => {
  const rows = frame.split('\n');
  const title = rows.findIndex((row) => row.startsWith('log: talk'));
  return title < 0 ? [] : rows.slice(title + 1, -1);
};
/** The screen once the log pane's third row (two lines of lead above the match) shows `text`. */
const landedOn = (text: string) => (frame: string) => pane(frame)[2] === text;
/** What OSC 52 sequences the TUI wrote carry, decoded. */
const copied = (frames: string[]): string[] =>
  frames.flatMap((frame) => [...frame.matchAll(/\x1b\]52;c;([A-Za-z0-9+/=]*)\x07/g)].map((m) => Buffer.from(m[1] ?? '', 'base64').toString('utf8')));

describe('searching a log of megabytes in the log pane', () => {
  it('/needle finds the first from the top, n the next, n wraps, N goes back; matches are counted; Esc forgets it', async () => {
    const { app, screen } = mount(await workspace(false));
    await screen(/✔ big/);
    app.stdin.write('l');
    await screen(/log: talk \(following\)[\s\S]*ValueError/);
    app.stdin.write('/');
    await screen(/^\/▏ +Tab regex · Enter finds · Esc clears$/m);
    app.stdin.write('needle');
    await screen(/^\/needle▏/m);
    app.stdin.write('\r');
    // Smart case: `needle` finds `Needle` too. Following the end, the view's top is the last page: the search wraps.
    const first = await screen(landedOn(NEEDLES[10] as string), 'the first needle');
    expect(pane(first).slice(0, 2)).toEqual(['line 000008 of the filler, nothing here', 'line 000009 of the filler, nothing here']);
    await screen(/\/needle {2}match 1 of 3/);
    app.stdin.write('n');
    await screen(landedOn(NEEDLES[30_001] as string), 'the middle needle');
    await screen(/match 2 of 3/);
    app.stdin.write('n');
    await screen(landedOn(NEEDLES[59_800] as string), 'the last needle');
    app.stdin.write('n');
    await screen((f) => landedOn(NEEDLES[10] as string)(f) && f.includes('search went on from the top'), 'n to wrap to the first');
    app.stdin.write('N');
    await screen((f) => landedOn(NEEDLES[59_800] as string)(f) && /match 3 of 3/.test(f), 'N to go back to the last');
    app.stdin.write('N');
    await screen(landedOn(NEEDLES[30_001] as string), 'N to the middle one');
    // Case matters once the pattern has a capital; Tab makes it a regular expression.
    app.stdin.write('/Needle\r');
    await screen(/\/Needle {2}match 1 of 1/);
    app.stdin.write('/');
    app.stdin.write('\t');
    await screen(/^\/re:▏ +Tab plain text/m);
    // From the view's top (two lines above the middle needle): the next of them is the last.
    app.stdin.write('needle (one|three)\r');
    await screen((f) => landedOn(NEEDLES[59_800] as string)(f) && /\/re:needle \(one\|three\) {2}match 2 of 2/.test(f), 'the regex to find the last needle');
    // Esc forgets the search: n is the new-run picker again.
    app.stdin.write('\x1b');
    await screen((f) => !f.includes('/re:needle'), 'the search to be forgotten');
    app.stdin.write('n');
    await screen(/New run:/);
  });

  it('& shows only the matching lines, paged from disk, + adds lines around each, & again goes back to the log', async () => {
    const { app, screen } = mount(await workspace(false));
    await screen(/✔ big/);
    app.stdin.write('l');
    await screen(/ValueError/);
    // g: the log's first line (the last marker is on the last page, where a search from the end would start).
    app.stdin.write('g');
    await screen(/scrolled back[\s\S]*line 000001 of/);
    app.stdin.write('/marker\r');
    await screen(/\/marker {2}match 1 of 100/);
    app.stdin.write('&');
    const page = pane(await screen(/lines matching \/marker · 0 around \(\+ -\) · & back\nmarker 1 reached\nmarker 2 reached/));
    const rows = page.filter((row) => /^marker \d+ reached$/.test(row)).length;
    expect(rows).toBeGreaterThan(5);
    expect(page.every((row) => row === '' || /^marker \d+ reached$/.test(row))).toBe(true);
    app.stdin.write('\u001b[6~'); // PgDn: the next page of matches
    await screen((f) => pane(f)[0] === `marker ${rows + 1} reached`, 'the second page');
    app.stdin.write('G');
    await screen((f) => pane(f).includes('marker 100 reached'), 'the last page');
    app.stdin.write('g');
    await screen((f) => pane(f)[0] === 'marker 1 reached', 'the first page again');
    app.stdin.write('+');
    // The title says it at once; the page follows from disk.
    const around = await screen(/1 around \(\+ -\) · & back\nline 000599 of the filler, nothing here\nmarker 1 reached\nline 000601 of the filler, nothing here\n--\nline 001199/);
    expect(pane(around).filter((row) => row !== '').at(-1)).not.toBe('--');
    app.stdin.write('n&');
    // Back in the log, at the match that was at the filter's top.
    await screen(landedOn('marker 2 reached'), 'the log at marker 2');
  });

  it('E opens the log at the traceback, and the error panel quotes the log from there; y and Y copy through OSC 52', async () => {
    const { app, screen } = mount(await workspace(true));
    await screen(/✘ big/);
    // The error panel quotes the failed log from the traceback's first line (it is near the end), not its last lines.
    await screen(/│ Traceback \(most recent call last\):\n *│ {3}File "train\.py"/);
    app.stdin.write('E');
    const landed = await screen(landedOn(TRACEBACK[0] as string), 'E to land on the traceback');
    expect(pane(landed)[3]).toBe(TRACEBACK[1]);
    await screen(/failure lines {2}match 1 of 2/);
    // The next failure line is on the log's last page, which stays whole: the view stops at the end.
    app.stdin.write('n');
    await screen((f) => pane(f).includes(TRACEBACK[3] as string) && /failure lines {2}match 2 of 2/.test(f), 'n to the next failure line');

    app.stdin.write('y');
    await screen(/copied 1 line/);
    expect(copied(app.frames)).toEqual([TRACEBACK[3]]);
    app.stdin.write('Y');
    const frame = await screen(/copied \d+ lines/);
    const page = copied(app.frames)[1]?.split('\n') ?? [];
    // The page as shown: from the view's top, as many lines as the pane has rows.
    expect(page.length).toBe(Number(/copied (\d+) lines/.exec(frame)?.[1]));
    expect(page).toEqual(pane(frame).slice(0, page.length));
    expect(page).toContain(TRACEBACK[3]);
  });
});

describe('a log still being written', () => {
  it('is counted on as it grows', async () => {
    const ws = await tempWorkspace({
      ticks: "stages:\n  - id: talk\n    run: 'i=1; while [ $i -le 30 ]; do echo \"tick $i\"; [ $((i % 10)) -eq 0 ] && echo \"needle $i\"; sleep 0.1; i=$((i+1)); done'\n",
    });
    const running = cli(['run', 'ticks', '--foreground', '--workspace', ws]);
    const { app, screen } = mount(ws);
    await screen(/▶ ticks/);
    app.stdin.write('l');
    await screen(/log: talk \(following\)[\s\S]*needle 10/);
    app.stdin.write('/needle\r');
    // (Counted while the stage still writes, unless this machine is slow enough for the run to end first.)
    await screen(/\/needle {2}match \d of \d/);
    expect((await running).exitCode).toBe(0);
    await screen(/\/needle {2}match \d of 3\b/);
  });
});

describe('a search that reads for a while', () => {
  it('shows how far it read while keys keep answering, and Esc stops it', async () => {
    // 40 MB, searched with a regular expression only Unicode can read: every line is played and tried, the slowest
    // search there is (some 20 MB/s).
    const ws = await workspace(false, async (file) => {
      const out = createWriteStream(file);
      const chunk = Array.from({ length: 10_000 }, (_, i) => `step ${i} loss=0.${i % 97} \x1b[32mok\x1b[0m and some words to read`).join('\n');
      for (let written = 0; written < 40 * 1024 * 1024; written += chunk.length) {
        if (!out.write(`${chunk}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
      }
      await new Promise<void>((r) => out.end(() => r()));
    });
    const { app, screen } = mount(ws);
    await screen(/✔ big/);
    app.stdin.write('l');
    await screen(/log: talk \(following\)/);
    app.stdin.write('g');
    await screen(/scrolled back/);
    app.stdin.write('/');
    app.stdin.write('\t');
    app.stdin.write('\\p{Lu}{20}\r');
    await screen(/searching… \d+% \(Esc stops\)/);
    // Keys answer while it reads: the help opens and closes, `y` copies, each at once (some 100 ms here, a second
    // allowed for a loaded machine).
    let asked = Date.now();
    app.stdin.write('?');
    await screen(/this help/);
    expect(Date.now() - asked).toBeLessThan(1000);
    app.stdin.write('x');
    await screen(/searching… \d+%/);
    asked = Date.now();
    app.stdin.write('y');
    const answered = await screen(/copied 1 line/);
    expect(answered).toMatch(/searching… \d+%/);
    expect(Date.now() - asked).toBeLessThan(1000);
    app.stdin.write('\x1b');
    await screen((f) => f.includes('search stopped') && !f.includes('searching…'), 'Esc to stop the search');
    // The search is still kept (a second Esc forgets it): its count goes on.
    await screen(/\/re:\\p\{Lu\}\{20\} {2}(counting… \d+%|no match)/);
  });
});

describe('the marks on screen', () => {
  it('are drawn inverse, with colour off too (NO_COLOR), around the match only', () => {
    const level = chalk.level;
    chalk.level = 3;
    try {
      const lines = markLines([renderLine('an \x1b[31mERR_X\x1b[0m here, and needle')], (text) => [...text.matchAll(/ERR_|needle/g)].map((m) => [m.index, m.index + m[0].length] as [number, number]));
      for (const color of [false, true]) {
        const app = render(
          <DisplayContext.Provider value={{ ascii: false, color }}>
            <LogPane title="log: talk" lines={lines} follow />
          </DisplayContext.Provider>,
        );
        mounted.push(app);
        const row = (app.lastFrame() ?? '').split('\n')[2] ?? '';
        expect(row.replace(/\x1b\[[\d;]*m/g, '')).toBe('an ERR_X here, and needle');
        expect(row).toMatch(/\x1b\[7m(\x1b\[31m)?ERR_/);
        expect(row).toMatch(/\x1b\[7mneedle\x1b\[27m/);
        if (!color) expect(row.replace(/\x1b\[(7|27)m/g, '')).not.toContain('\x1b');
      }
    } finally {
      chalk.level = level;
    }
  });
});
