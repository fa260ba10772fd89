import { appendFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogPrinter, type LogPrinterOptions } from '../../src/cli/log-printer.js';
import { removeWorkspaces, tempWorkspace } from '../helpers/workspace.js';

afterEach(removeWorkspaces);

const tqdm = (i: number): string => `\r${String(i).padStart(3)}%|${'#'.repeat(i / 10).padEnd(10)}| ${i}/100`;
const HOSTILE = 'copy \x1b]52;c;aGVsbG8=\x07title \x1b]0;x\x07clear \x1b[2Jhome \x1b[Hdone';
/** Escape sequences a stage may never get to the terminal. */
const FORBIDDEN = /\x1b\]|\x07|\x1b\[2J|\x1b\[H/;

/** A printer writing into a string, as to a terminal 40 columns wide or into a pipe. */
function printer(options: LogPrinterOptions) {
  let written = '';
  const out = { columns: 40, write: (text: string) => ((written += text), true) } as unknown as NodeJS.WriteStream;
  return { printer: new LogPrinter(options, out), take: () => [written, (written = '')][0] as string };
}

async function logFile(text: string): Promise<string> {
  const file = path.join(await tempWorkspace(), '00_train.log');
  await writeFile(file, text);
  return file;
}

describe('logs prints each line of a stage log as a terminal shows it', () => {
  const log = `${Array.from({ length: 101 }, (_, i) => tqdm(i)).join('')}\n\x1b[32mINFO\x1b[0m ready\n${HOSTILE}\n`;

  it('into a pipe: the last frame of each line, as plain text with no escape at all; the file keeps its bytes', async () => {
    const file = await logFile(log);
    const { printer: p, take } = printer({ color: false, live: false });
    await p.print(file, true);
    expect(take()).toBe('100%|##########| 100/100\nINFO ready\ncopy title clear home done\n');
    expect(await readFile(file, 'utf8')).toBe(log);
  });

  it('on a colour terminal: the colours as SGR of ours, nothing else', async () => {
    const { printer: p, take } = printer({ color: true, live: false });
    await p.print(await logFile(log), true);
    const out = take();
    expect(out).toContain('\x1b[32mINFO\x1b[0m ready\n');
    expect(out).not.toMatch(FORBIDDEN);
    expect(out.replace(/\x1b\[[\d;]*m/g, '')).not.toContain('\x1b');
  });

  it('a line longer than it reads at once: its last frames, or the whole of it when it has none', async () => {
    const frames = Array.from({ length: 30_000 }, (_, i) => `\r${i}/30000`).join('');
    const text = 'word '.repeat(40_000);
    const { printer: p, take } = printer({ color: false, live: false });
    await p.print(await logFile(`${frames}\n${text}\n`), true);
    expect(take()).toBe(`29999/30000\n${text}\n`);
  });
});

describe('logs -f and the line a stage is still writing', () => {
  it('on a terminal: redrawn in place with our own \\r and ESC[K, cut to the width, then printed once it ends', async () => {
    const file = await logFile(`start\n${tqdm(10)}`);
    const { printer: p, take } = printer({ color: false, live: true });
    await p.print(file, false);
    expect(take()).toBe('start\n\r 10%|#         | 10/100\x1b[K');
    await p.print(file, false);
    expect(take()).toBe('');
    await appendFile(file, `${tqdm(20)}${tqdm(50)} ${'x'.repeat(50)}`);
    await p.print(file, false);
    expect(take()).toBe(`\r 50%|#####     | 50/100 ${'x'.repeat(14)}…\x1b[K`);
    await appendFile(file, `${tqdm(100)}\nnext\n`);
    await p.print(file, false);
    // As a terminal would: the shorter last frame leaves what the wider one before it wrote past its end.
    expect(take()).toBe(`\r\x1b[K100%|##########| 100/100${'x'.repeat(50)}\nnext\n`);
  });

  it('into a pipe: only whole lines, the unfinished one held until it ends or the stage is done', async () => {
    const file = await logFile(`start\n${tqdm(10)}`);
    const { printer: p, take } = printer({ color: false, live: false });
    await p.print(file, false);
    expect(take()).toBe('start\n');
    await appendFile(file, tqdm(60));
    await p.print(file, false);
    expect(take()).toBe('');
    await p.print(file, true);
    expect(take()).toBe(' 60%|######    | 60/100\n');
    await p.print(file, true);
    expect(take()).toBe('');
  });

  it('moves on to the next file from its start, the unfinished line of the last one printed whole', async () => {
    const first = await logFile(`a\n${tqdm(30)}`);
    const second = path.join(path.dirname(first), '01_next.log');
    await writeFile(second, 'b\n');
    const { printer: p, take } = printer({ color: false, live: true });
    await p.print(first, false);
    await p.print(first, true);
    p.next();
    await p.print(second, true);
    expect(take()).toBe('a\n\r 30%|###       | 30/100\x1b[K\r\x1b[K 30%|###       | 30/100\nb\n');
  });
});
