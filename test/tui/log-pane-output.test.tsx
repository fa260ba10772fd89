import { createWriteStream } from 'node:fs';
import { appendFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import chalk from 'chalk';
import { render } from 'ink-testing-library';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { renderLine } from '../../src/shared/terminal-text.js';
import { ErrorPanel } from '../../src/tui/components/ErrorPanel.js';
import { LogPane } from '../../src/tui/components/LogPane.js';
import { DisplayContext } from '../../src/tui/display.js';
import { useLogView } from '../../src/tui/hooks/use-log-view.js';
import { states } from './run-states.js';
import { removeWorkspaces, tempWorkspace, waitFor } from '../helpers/workspace.js';

// The log pane on a real log file holding what real programs print: tqdm's `\r` frames, colours, and escapes that
// would drive the terminal. Ink writes colours only where chalk believes the terminal has them: a test has no
// terminal, so chalk is told it has one, and what Ink writes is what the user's terminal would get.

const mounted: { unmount: () => void }[] = [];
let level: typeof chalk.level;
beforeAll(() => {
  level = chalk.level;
  chalk.level = 3;
});
afterAll(() => {
  chalk.level = level;
});
afterEach(async () => {
  for (const app of mounted.splice(0)) app.unmount();
  await removeWorkspaces();
});

const tqdm = (i: number, total = 100): string => `\r${String(i).padStart(3)}%|${'█'.repeat(i / 10).padEnd(10)}| ${i}/${total} [00:01<00:01, 50.00it/s]`;
const HOSTILE = ['copy \x1b]52;c;aGVsbG8=\x07', 'title \x1b]0;x\x07', 'clear \x1b[2J', 'home \x1b[H', 'link \x1b]8;;http://x\x1b\\here\x1b]8;;\x1b\\'].join('');
const COLOURED = '\x1b[32mINFO\x1b[0m loaded \x1b[38;5;208m256\x1b[0m \x1b[1;38;2;255;0;128mtrue\x1b[0m';
/** Sequences a stage may never get to the terminal: OSC (clipboard, title, hyperlink), clear screen, cursor home. */
const FORBIDDEN = /\x1b\]|\x07|\x1b\[2J|\x1b\[H|\x1bP|\x9b|\x9d/;

function Pane({ file, width = 80 }: { file: string; width?: number }) {
  const view = useLogView(file, 8, width, null, true);
  return <LogPane title="log: train" lines={view.lines} missing={view.missing} follow />;
}

function mount(file: string, color: boolean) {
  const app = render(
    <DisplayContext.Provider value={{ ascii: false, color }}>
      <Pane file={file} />
    </DisplayContext.Provider>,
  );
  mounted.push(app);
  const screen = (pattern: RegExp) =>
    waitFor(`the pane to show ${pattern}`, () => (pattern.test(app.lastFrame() ?? '') ? (app.lastFrame() as string) : null)).catch((error: Error) => {
      throw new Error(`${error.message}\n--- last frame ---\n${JSON.stringify(app.lastFrame())}`);
    });
  return screen;
}

async function logFile(text: string): Promise<string> {
  const file = path.join(await tempWorkspace(), 'train.log');
  await writeFile(file, text);
  return file;
}

/** The rows under the pane's title: the log's lines. */
const rows = (frame: string): string[] => {
  const all = frame.split('\n');
  return all.slice(all.findIndex((row) => row.includes('log: train')) + 1);
};

describe('the log pane shows a stage log as a terminal would, and never lets it drive the terminal', () => {
  const log = `${Array.from({ length: 101 }, (_, i) => tqdm(i)).join('')}\n${COLOURED}\n${HOSTILE}\n${tqdm(30)}${tqdm(45)}`;

  it('with colour: the last frame of each bar, the colours as Ink draws them, no hostile escape', async () => {
    const frame = await mount(await logFile(log), true)(/45\/100/);
    expect(frame).toContain('100%|██████████| 100/100 [00:01<00:01, 50.00it/s]');
    expect(frame).not.toContain('99/100');
    // The unfinished last line (tqdm still running) shows as its last frame.
    expect(frame).toContain(' 45%|████      | 45/100');
    expect(frame).not.toContain('30/100');
    expect(frame).toContain('\x1b[32mINFO');
    expect(frame).toContain('\x1b[38;5;208m256');
    expect(frame).toContain('\x1b[38;2;255;0;128m');
    expect(frame).toContain('copy title clear home link here');
    expect(frame).not.toMatch(FORBIDDEN);
  });

  it('without colour (NO_COLOR): the same text, and no escape at all in the log rows', async () => {
    const frame = await mount(await logFile(log), false)(/45\/100/);
    expect(frame).toContain('INFO loaded 256 true');
    expect(frame).toContain('copy title clear home link here');
    expect(rows(frame).join('\n')).not.toContain('\x1b');
  });

  it('follows a bar as frames are appended to its unfinished line', async () => {
    const file = await logFile(`starting\n${tqdm(10)}`);
    const screen = mount(file, true);
    await screen(/10\/100/);
    await appendFile(file, `${tqdm(20)}${tqdm(70)}`);
    const frame = await screen(/70\/100/);
    expect(frame).not.toMatch(/[12]0\/100/);
  });

  it('opens a 20 MB log of one line of \\r frames at its last frame', async () => {
    const file = path.join(await tempWorkspace(), 'train.log');
    const out = createWriteStream(file);
    const total = 300_000;
    for (let from = 0; from < total; from += 1000) {
      const text = Array.from({ length: 1000 }, (_, i) => `\r\x1b[36m${from + i + 1}/${total}\x1b[0m ${'.'.repeat(60)}`).join('');
      if (!out.write(text)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
    await new Promise<void>((r) => out.end(() => r()));
    const frame = await mount(file, true)(/300000\/300000/);
    expect(rows(frame)).toHaveLength(1);
    expect(frame).toContain('\x1b[36m300000/300000');
  });
});

describe("the error panel's end of the log", () => {
  it('shows the last lines rendered, plain with colour off', () => {
    const logLines = [`${tqdm(5)}${tqdm(99)}`, HOSTILE, COLOURED].map(renderLine);
    for (const color of [true, false]) {
      const app = render(
        <DisplayContext.Provider value={{ ascii: false, color }}>
          <ErrorPanel run={states.failed()} runDir="/ws/runs/r1" logLines={logLines} width={100} />
        </DisplayContext.Provider>,
      );
      mounted.push(app);
      const frame = app.lastFrame() ?? '';
      const quoted = frame.split('\n').filter((row) => row.includes('│')).join('\n');
      expect(quoted.replace(/\x1b\[[\d;]*m/g, '')).toContain('│  99%|█████████ | 99/100');
      expect(quoted.replace(/\x1b\[[\d;]*m/g, '')).toContain('│ copy title clear home link here');
      expect(frame).not.toMatch(FORBIDDEN);
      if (color) expect(quoted).toContain('\x1b[32mINFO');
      else expect(quoted).not.toContain('\x1b');
    }
  });
});
