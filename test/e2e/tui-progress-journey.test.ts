import { cp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { startDaemon, startRun, stopDaemons } from '../helpers/daemon.js';
import { TmuxSession, hasTmux } from '../helpers/tmux.js';
import { removeWorkspaces, tempWorkspace, waitFor } from '../helpers/workspace.js';

// Issue 14, in the real binary on a real 80×24 terminal: the example training script (Python logging in colour, a
// tqdm-style `\r` bar on stderr), unmodified, shows as a moving bar with its rate and an ETA on its stage's row; its
// log pane shows the logging lines in colour and the bar's current frame as one clean line; under NO_COLOR not one
// escape is drawn in those rows, and no colour anywhere.

const describeTerminal = hasTmux || process.env.CI ? describe : describe.skip;

const sessions: TmuxSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.kill()));
  await stopDaemons();
  await removeWorkspaces();
});

const STEPS = 150;
// The repo's train.py as it is, slowed down to watch (0.1 s a step: 15 s) by its PACE_S; nothing in pipelines/ edited.
const SLOWTRAIN = `stages:\n  - id: train\n    run: python3 pipelines/stages/train/train.py\n    env: { PACE_S: '0.1' }\nparams:\n  steps: { default: 60 }\n`;

const workspace = async (): Promise<string> => {
  const ws = await tempWorkspace();
  await cp(path.resolve(import.meta.dirname, '../../pipelines'), path.join(ws, 'pipelines'), { recursive: true });
  await writeFile(path.join(ws, 'pipelines', 'slowtrain.yaml'), SLOWTRAIN);
  return ws;
};

// The TUI with colour on (whatever the test's own environment says) or with NO_COLOR=1.
const tui = async (ws: string, color: boolean): Promise<TmuxSession> => {
  const env = color ? 'env -u NO_COLOR -u FORCE_COLOR' : 'env -u FORCE_COLOR NO_COLOR=1';
  const session = await TmuxSession.start(`${env} node ${BIN} --workspace ${ws}`, { width: 80, height: 24 });
  sessions.push(session);
  await session.waitForScreen(/● live/, 15_000);
  return session;
};

// --- What tmux holds in each cell, read back from `capture-pane -p -e` -----------------------------------------------

interface Cell {
  ch: string;
  /** The cell's SGR attributes, canonical ('' when none): 'fg=32', 'bold', 'inverse', 'fg=38;5;10 bold', … */
  style: string;
}

interface Screen {
  rows: Cell[][];
  /** Every escape sequence in the capture that is not an SGR (`ESC [ … m`): none expected, tmux writes only SGR. */
  foreign: string[];
}

/**
 * The capture's cells and their attributes. tmux writes an SGR only where the attributes change from one cell to the
 * next, across line ends too (a row may begin with the reset that ends the row above): the sequences say nothing of a
 * row by themselves, the cells' attributes do.
 */
function readScreen(captured: string): Screen {
  const rows: Cell[][] = [[]];
  const foreign: string[] = [];
  const attrs = new Set<string>();
  let fg: string | null = null;
  let bg: string | null = null;
  const style = () => [fg === null ? '' : `fg=${fg}`, bg === null ? '' : `bg=${bg}`, ...[...attrs].sort()].filter(Boolean).join(' ');
  const ON: Record<string, string> = { '1': 'bold', '2': 'dim', '3': 'italic', '4': 'underline', '5': 'blink', '7': 'inverse', '8': 'hidden', '9': 'strike', '21': 'underline', '53': 'overline' };
  const OFF: Record<string, string[]> = { '22': ['bold', 'dim'], '23': ['italic'], '24': ['underline'], '25': ['blink'], '27': ['inverse'], '28': ['hidden'], '29': ['strike'], '55': ['overline'] };
  const sgr = (params: string) => {
    const list = params === '' ? ['0'] : params.split(';');
    for (let i = 0; i < list.length; i++) {
      const p = list[i] as string;
      const n = Number(p);
      if (p === '0' || p === '') {
        attrs.clear();
        fg = bg = null;
      } else if (p in ON) attrs.add(ON[p] as string);
      else if (p in OFF) for (const a of OFF[p] as string[]) attrs.delete(a);
      else if ((n >= 30 && n <= 37) || (n >= 90 && n <= 97)) fg = p;
      else if ((n >= 40 && n <= 47) || (n >= 100 && n <= 107)) bg = p;
      else if (p === '39') fg = null;
      else if (p === '49') bg = null;
      else if (p === '38' || p === '48') {
        const take = list[i + 1] === '5' ? 2 : list[i + 1] === '2' ? 4 : 0;
        const value = list.slice(i, i + 1 + take).join(';');
        if (p === '38') fg = value;
        else bg = value;
        i += take;
      } else attrs.add(`sgr${p}`); // anything else stays marked until a reset
    }
  };
  for (let i = 0; i < captured.length; ) {
    const ch = captured[i] as string;
    if (ch === '\x1b') {
      const m = /^\x1b\[([0-9;]*)m/.exec(captured.slice(i, i + 64));
      if (m) {
        sgr(m[1] as string);
        i += m[0].length;
      } else {
        foreign.push(JSON.stringify(captured.slice(i, i + 16)));
        i += 1;
      }
    } else if (ch === '\n') {
      rows.push([]);
      i += 1;
    } else {
      const cp = String.fromCodePoint(captured.codePointAt(i) as number);
      rows.at(-1)?.push({ ch: cp, style: style() });
      i += cp.length;
    }
  }
  return { rows, foreign };
}

const text = (row: Cell[]): string => row.map((c) => c.ch).join('');
/** The styles of the cells of `part` (its first occurrence) in the row. */
const stylesOf = (row: Cell[], part: string): string[] => {
  const at = text(row).indexOf(part);
  if (at === -1) throw new Error(`no "${part}" in row "${text(row)}"`);
  const start = Array.from(text(row).slice(0, at)).length;
  return [...new Set(row.slice(start, start + Array.from(part).length).map((c) => c.style))];
};
/** The styled cells of a row, as `"text"@style` runs: empty for a row drawn without a single attribute. */
const styledRuns = (row: Cell[]): string[] => {
  const runs: string[] = [];
  let run = '';
  let runStyle = '';
  for (const cell of [...row, { ch: '', style: '' }]) {
    if (cell.style !== runStyle) {
      if (runStyle !== '') runs.push(`${JSON.stringify(run)}@${runStyle}`);
      run = '';
      runStyle = cell.style;
    }
    run += cell.ch;
  }
  return runs;
};
const colours = (row: Cell[]): string[] => styledRuns(row).filter((run) => /@.*\b[fb]g=/.test(run));

/** A capture with its escapes made visible, for a failure's message. */
const visible = (captured: string): string => captured.replace(/\x1b/g, '␛');

// --- The screen's parts ---------------------------------------------------------------------------------------------

// The train stage's row in the selected run (the run list's row reads `slowtrain`), with its bar, count, rate and ETA.
const STAGE_ROW = /^[› ] \S train +/;
const RUNNING_ROW = new RegExp(`^› ▶ train +([█░]+) (\\d+)/${STEPS} (\\d+(?:\\.\\d)?)/s .*\\bETA (\\S+)`);
// One tqdm frame, the whole row: `epoch 1:  45%|████▌     | 68/150 [00:06<00:08,  9.93it/s]`.
const FRAME = new RegExp(`^epoch 1: +(\\d+)%\\|[█▏▎▍▌▋▊▉ ]{10}\\| (\\d+)/${STEPS} \\[\\d\\d:\\d\\d<\\d\\d:\\d\\d, +(?:\\d+\\.\\d\\d|\\?)it/s\\]$`);

interface Parts {
  screen: Screen;
  lines: string[];
  stageRow: Cell[];
  /** The log pane's rows after its title, up to the footer (blank rows left out). */
  logRows: Cell[][];
}

function parts(captured: string): Parts | null {
  const screen = readScreen(captured);
  const lines = screen.rows.map((row) => text(row).trimEnd());
  const stage = lines.findIndex((line) => STAGE_ROW.test(line));
  const title = lines.findIndex((line) => line.startsWith('log: train'));
  const footer = lines.findIndex((line) => /q quit/.test(line));
  if (stage === -1) return null;
  const logRows = title === -1 || footer < title ? [] : screen.rows.slice(title + 1, footer).filter((row) => text(row).trim() !== '');
  return { screen, lines, stageRow: screen.rows[stage] as Cell[], logRows };
}

/** Polls `capture-pane -e` until `check` holds for the screen's parts; fails with the last screen, escapes shown. */
async function until<T>(session: TmuxSession, what: string, check: (p: Parts) => T | null | undefined | false, timeoutMs = 15_000): Promise<{ parts: Parts; captured: string; value: NonNullable<T> }> {
  let last = '';
  const rowsSeen: string[] = []; // the stage row as it went, for the message: a stuck bar shows as one count
  try {
    return await waitFor(what, async () => {
      last = await session.capture({ escapes: true });
      const p = parts(last);
      const row = p ? text(p.stageRow).trimEnd() : '';
      if (row && rowsSeen.at(-1) !== row && rowsSeen.push(row) > 6) rowsSeen.shift();
      const value = p ? check(p) : null;
      return p && value ? { parts: p, captured: last, value: value as NonNullable<T> } : null;
    }, timeoutMs);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- the stage row as it went (last 6) ---\n${rowsSeen.join('\n')}\n--- last screen (capture-pane -e, ESC shown as ␛) ---\n${visible(last)}`);
  }
}

const frameRows = (p: Parts): string[] => p.logRows.map(text).map((l) => l.trimEnd()).filter((l) => l.includes('epoch 1:'));
const frameCount = (p: Parts): number => Number(FRAME.exec(frameRows(p)[0] ?? '')?.[2] ?? -1);

/** What every log pane must be: clean text, each bar frame alone on its row, no escape but SGR anywhere. */
function expectCleanLog(p: Parts, captured: string, plain: string): void {
  const why = `\n--- screen (ESC shown as ␛) ---\n${visible(captured)}`;
  // tmux was handed nothing but colours and attributes: no OSC, no cursor moves, no other control character.
  expect(p.screen.foreign, `escapes other than SGR${why}`).toEqual([]);
  expect(captured.replace(/\x1b\[[0-9;]*m/g, ''), `a control character on screen${why}`).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
  // No escape drawn as text: `^[`, `?[32m`, `␛`, a replacement character.
  expect(plain, `escape bytes drawn as text${why}`).not.toMatch(/\^\[|\?\[\d|\[\d+(;\d+)*m|␛|\uFFFD|\x1b/);
  const log = p.logRows.map((row) => text(row).trimEnd());
  expect(log.filter((l) => / INFO loading 1200 examples from data\/train\.jsonl$/.test(l)), `the INFO line${why}`).toHaveLength(1);
  expect(log.filter((l) => / WARNING no GPU found: training on the CPU$/.test(l)), `the WARNING line${why}`).toHaveLength(1);
  // The bar's frames: one row, one frame, the whole row (not frames glued one after another, not cut).
  const frames = frameRows(p);
  expect(frames, `one bar row${why}`).toHaveLength(1);
  expect(frames[0], `the bar row is one whole frame${why}`).toMatch(FRAME);
  expect(frames[0]?.split('it/s]'), `one frame in the bar row${why}`).toHaveLength(2);
}

function expectColoursOn(p: Parts, captured: string): void {
  const why = `\n--- screen (ESC shown as ␛) ---\n${visible(captured)}`;
  const info = p.logRows.find((row) => / INFO loading/.test(text(row))) as Cell[];
  const warning = p.logRows.find((row) => / WARNING no GPU/.test(text(row))) as Cell[];
  // The script's `\x1b[32m` around the level, drawn as green by the TUI; the rest of the line plain.
  expect(stylesOf(info, 'INFO'), `INFO green${why}`).toEqual(['fg=32']);
  expect(stylesOf(info, 'loading 1200 examples'), `the INFO message plain${why}`).toEqual(['']);
  expect(stylesOf(info, text(info).slice(0, 19)), `the timestamp plain${why}`).toEqual(['']);
  expect(stylesOf(warning, 'WARNING'), `WARNING green${why}`).toEqual(['fg=32']);
  expect(stylesOf(warning, 'no GPU found: training on the CPU'), `the warning's message yellow${why}`).toEqual(['fg=33']);
  const bar = p.logRows.find((row) => text(row).includes('epoch 1:')) as Cell[];
  expect(styledRuns(bar), `the bar row plain (tqdm draws no colour)${why}`).toEqual([]);
  // The TUI's chrome has colours when colour is on (the stage row's status colour): the NO_COLOR case is no vacuous check.
  expect(colours(p.stageRow), `the stage row in its status colour${why}`).not.toEqual([]);
}

function expectNoEscapeAtAll(p: Parts, captured: string): void {
  const why = `\n--- screen (ESC shown as ␛) ---\n${visible(captured)}`;
  // The stage row and every row of the log pane: not one attribute, so not one escape drawn for them.
  expect(styledRuns(p.stageRow), `attributes on the stage row${why}`).toEqual([]);
  expect(p.logRows.flatMap(styledRuns), `attributes in the log pane${why}`).toEqual([]);
  // And no colour anywhere on screen (bold titles and the inverse selection are not colours).
  expect(p.screen.rows.flatMap(colours), `colour under NO_COLOR${why}`).toEqual([]);
}

describeTerminal('a tqdm-printing stage in a real terminal (tmux, 80x24)', () => {
  for (const color of [true, false]) {
    it(`${color ? 'with colour' : 'with NO_COLOR=1'}: the row shows a moving bar with its rate and ETA; the log pane clean lines, ${color ? 'coloured' : 'without one escape'}`, async () => {
      const ws = await workspace();
      await startDaemon(ws);
      const s = await tui(ws, color);
      await startRun(ws, 'slowtrain', { steps: String(STEPS) });

      // The row: a bar, a count, the program's own rate, an ETA (not `ETA unknown`); then a larger count.
      const first = await until(s, 'the train row to show a bar, count, rate and ETA', (p) => RUNNING_ROW.exec(text(p.stageRow)), 20_000);
      const [, bar1, count1, rate1, eta1] = first.value;
      expect(Array.from(bar1 as string)).toHaveLength(12);
      expect(Number(rate1)).toBeGreaterThan(0);
      expect(eta1).toMatch(/^\d/);
      const a = Number(count1);
      expect(a).toBeLessThan(STEPS);
      const second = await until(s, `the train row's count to move past ${a}/${STEPS}`, (p) => {
        const m = RUNNING_ROW.exec(text(p.stageRow));
        return m && Number(m[2]) > a ? m : null;
      });
      const [, , count2, rate2, eta2] = second.value;
      expect(Number(count2)).toBeGreaterThan(a);
      expect(Number(rate2)).toBeGreaterThan(0);
      expect(eta2).toMatch(/^\d/);
      // And on: half way through, still with its rate and ETA (a bar that stopped after its first frames fails here).
      const half = await until(s, `the train row's count to reach ${STEPS / 2}/${STEPS}`, (p) => {
        const m = RUNNING_ROW.exec(text(p.stageRow));
        return m && Number(m[2]) >= STEPS / 2 ? m : null;
      }, 20_000);
      expect(Number(half.value[3])).toBeGreaterThan(0);
      expect(half.value[4]).toMatch(/^\d/);
      if (!color) expectNoEscapeAtAll(half.parts, half.captured);

      // The log pane (Enter / l) of the running stage: the logging lines and the bar's current frame, live.
      await s.keys('l');
      const open = await until(s, 'the log pane to show the logging lines and a bar frame', (p) => p.lines.some((l) => /^log: train \(following\)/.test(l)) && p.logRows.some((row) => / WARNING /.test(text(row))) && frameRows(p).length > 0);
      expectCleanLog(open.parts, open.captured, await s.capture());
      if (color) expectColoursOn(open.parts, open.captured);
      else expectNoEscapeAtAll(open.parts, open.captured);
      // The unfinished line is the bar as it is now: it moves in the pane too.
      const b = frameCount(open.parts);
      const moved = await until(s, `the bar in the log pane to move past ${b}/${STEPS}`, (p) => frameCount(p) > b || b === STEPS); // (done already on a very slow machine)
      expectCleanLog(moved.parts, moved.captured, await s.capture());

      // Finished: the last frame (100%) alone on its row, then the last logging line, still coloured (or not).
      const done = await until(s, 'the stage to finish with its last frame and last line in the pane', (p) => /^› ✔ train/.test(text(p.stageRow)) && p.logRows.some((row) => text(row).trimEnd().endsWith(` INFO done: loss 0.213 after ${STEPS} steps`)), 40_000);
      expectCleanLog(done.parts, done.captured, await s.capture());
      expect(frameRows(done.parts)[0]).toMatch(new RegExp(`^epoch 1: 100%\\|██████████\\| ${STEPS}/${STEPS} \\[`));
      const last = done.parts.logRows.find((row) => / INFO done:/.test(text(row))) as Cell[];
      if (color) {
        expectColoursOn(done.parts, done.captured);
        expect(stylesOf(last, 'INFO')).toEqual(['fg=32']);
      } else expectNoEscapeAtAll(done.parts, done.captured);
    }, 120_000);
  }
});
