import { createWriteStream } from 'node:fs';
import { type FileHandle, open, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { plainText } from '../../src/shared/terminal-text.js';
import { lastPageTop, lineStartAfter, lineStartBefore, readPage as readSpans } from '../../src/workspace/log-paging.js';
import { removeWorkspaces, tempWorkspace } from '../helpers/workspace.js';

afterEach(removeWorkspaces);

/** A page as the text it shows. */
const readPage = async (...args: Parameters<typeof readSpans>): Promise<string[]> => (await readSpans(...args)).map(plainText);

const numbered = (from: number, to: number): string => Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}`).join('\n');

async function withFile<T>(text: string | Buffer, use: (file: FileHandle, size: number) => Promise<T>): Promise<T> {
  const name = path.join(await tempWorkspace(), 'stage.log');
  await writeFile(name, text);
  const file = await open(name, 'r');
  try {
    return await use(file, (await stat(name)).size);
  } finally {
    await file.close();
  }
}

// Counts the bytes a page move reads, to show it does not grow with the file.
function counting(file: FileHandle): { file: FileHandle; bytes: () => number } {
  let bytes = 0;
  const proxy = new Proxy(file, {
    get(target, key) {
      if (key !== 'read') return Reflect.get(target, key);
      return async (...args: Parameters<FileHandle['read']>) => {
        const result = await (target.read as (...a: unknown[]) => Promise<{ bytesRead: number }>)(...args);
        bytes += result.bytesRead;
        return result;
      };
    },
  });
  return { file: proxy, bytes: () => bytes };
}

describe('log files paged from disk', () => {
  it('pages through 100 lines: the end, a page up, the top, a page down', async () => {
    await withFile(`${numbered(1, 100)}\n`, async (file, size) => {
      const end = await lastPageTop(file, size, 10);
      expect(await readPage(file, end, 10, 80, size)).toEqual(numbered(91, 100).split('\n'));
      const up = await lineStartBefore(file, end, 10);
      expect(await readPage(file, up, 10, 80, size)).toEqual(numbered(81, 90).split('\n'));
      expect(await readPage(file, 0, 3, 80, size)).toEqual(['line 1', 'line 2', 'line 3']);
      expect(await lineStartBefore(file, 0, 10)).toBe(0);
      const down = await lineStartAfter(file, 0, 10, size);
      expect(await readPage(file, down, 1, 80, size)).toEqual(['line 11']);
      // Never past the start of the last line.
      expect(await readPage(file, await lineStartAfter(file, end, 500, size), 5, 80, size)).toEqual(['line 100']);
    });
  });

  it('counts a last line without its newline, and shows a file shorter than the window whole', async () => {
    await withFile(numbered(1, 5), async (file, size) => {
      expect(await readPage(file, await lastPageTop(file, size, 2), 2, 80, size)).toEqual(['line 4', 'line 5']);
      expect(await readPage(file, await lastPageTop(file, size, 10), 10, 80, size)).toEqual(numbered(1, 5).split('\n'));
    });
    await withFile('', async (file, size) => {
      expect(await readPage(file, await lastPageTop(file, size, 10), 10, 80, size)).toEqual([]);
    });
  });

  it('cuts long lines to the width and makes control characters visible', async () => {
    const long = 'x'.repeat(5000);
    await withFile(`${long}\r\nbell\x07\tend\nnext\n`, async (file, size) => {
      expect(await readPage(file, 0, 3, 20, size)).toEqual([`${'x'.repeat(19)}…`, 'bell?   end', 'next']);
    });
  });

  it('survives a 6 MB line with no break: cut, and paging goes on', async () => {
    await withFile(`head\n${'y'.repeat(6 * 1024 * 1024)}\ntail\n`, async (file, size) => {
      const end = await lastPageTop(file, size, 1);
      expect(await readPage(file, end, 1, 10, size)).toEqual(['tail']);
      const page = await readPage(file, 0, 3, 10, size);
      expect(page[0]).toBe('head');
      expect(page[1]).toBe(`${'y'.repeat(9)}…`);
    });
  });

  it('reads a page of bytes per move in a 64 MB log, wherever it is', async () => {
    const ws = await tempWorkspace();
    const name = path.join(ws, 'big.log');
    const out = createWriteStream(name);
    const block = `${numbered(1, 1000).replace(/line/g, 'some log output of a busy stage, line')}\n`;
    const blocks = Math.ceil((64 * 1024 * 1024) / block.length);
    for (let i = 0; i < blocks; i++) if (!out.write(block)) await new Promise<void>((r) => out.once('drain', () => r()));
    await new Promise<void>((r) => out.end(() => r()));
    const size = (await stat(name)).size;
    const handle = await open(name, 'r');
    try {
      const { file, bytes } = counting(handle);
      const end = await lastPageTop(file, size, 40);
      const middle = await lineStartBefore(file, Math.floor(size / 2), 1);
      const up = await lineStartBefore(file, middle, 40);
      const down = await lineStartAfter(file, middle, 40, size);
      const page = await readPage(file, up, 40, 120, size);
      expect(page).toHaveLength(40);
      expect(await readPage(file, end, 40, 120, size)).toContain('some log output of a busy stage, line 1000');
      expect(down).toBeGreaterThan(middle);
      // Six moves and reads at the end and in the middle of 64 MB: each a 64 KB chunk at most.
      expect(bytes()).toBeLessThanOrEqual(6 * 64 * 1024);
    } finally {
      await handle.close();
    }
  });

  it('shows each line as a terminal leaves it: the last \\r frame, colours as styles, hostile escapes gone', async () => {
    const bar = (i: number): string => `\r${String(i).padStart(3)}%|${'#'.repeat(i / 10).padEnd(10)}| ${i}/100`;
    const frames = Array.from({ length: 101 }, (_, i) => bar(i)).join('');
    const hostile = 'a\x1b]52;c;aGVsbG8=\x07b\x1b]0;x\x07c\x1b[2Jd\x1b[He';
    await withFile(`${frames}\n\x1b[32mgreen\x1b[0m plain\n${hostile}\n${bar(40)}${bar(41)}`, async (file, size) => {
      const page = await readSpans(file, 0, 10, 80, size);
      expect(page.map(plainText)).toEqual(['100%|##########| 100/100', 'green plain', 'abcde', ' 41%|####      | 41/100']);
      expect(page[1]).toEqual([{ text: 'green', style: expect.objectContaining({ fg: 'green' }) }, { text: ' plain', style: null }]);
      expect(JSON.stringify(page)).not.toMatch(/\\u001b|\\u0007|52;c|\[2J/);
    });
  });

  it('opens a 20 MB line of \\r frames at its last frame, reading a few MB of it, and pages down through it', async () => {
    const ws = await tempWorkspace();
    const name = path.join(ws, 'bar.log');
    const out = createWriteStream(name);
    const frames = 200_000;
    const block = 1000;
    for (let from = 0; from < frames; from += block) {
      const text = Array.from({ length: block }, (_, i) => `\r\x1b[36m${String(from + i).padStart(6)}/${frames} it ${'.'.repeat(80)}\x1b[0m`).join('');
      if (!out.write(text)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
    await new Promise<void>((r) => out.end(() => r()));
    const size = (await stat(name)).size;
    expect(size).toBeGreaterThan(20 * 1024 * 1024);
    const handle = await open(name, 'r');
    try {
      const { file, bytes } = counting(handle);
      const top = await lastPageTop(file, size, 40);
      const page = await readSpans(file, top, 40, 40, size);
      expect(page.map(plainText)).toEqual([`${`199999/${frames} it ${'.'.repeat(80)}`.slice(0, 39)}…`]);
      expect(page[0]?.[0]?.style?.fg).toBe('cyan');
      expect(bytes()).toBeLessThan(10 * 1024 * 1024);
      // From its start, the page shows a frame too, and a page down moves on inside the line.
      expect((await readPage(file, 0, 40, 40, size))[0]).toMatch(/^ *\d+\/200000 it \.+…$/);
      expect(await lineStartAfter(file, 0, 40, size)).toBeGreaterThan(0);
    } finally {
      await handle.close();
    }
  });
});
