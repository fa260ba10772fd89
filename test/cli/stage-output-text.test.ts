import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readLogTail } from '../../src/cli/log-tail.js';
import { fitSpans, fitText } from '../../src/shared/fit-spans.js';
import { plainText, renderLine } from '../../src/shared/terminal-text.js';
import { removeWorkspaces, tempWorkspace } from '../helpers/workspace.js';

afterEach(removeWorkspaces);

describe('fitting what a stage printed to the width', () => {
  it('cuts to terminal cells, wide characters counting two, with … where it cut', () => {
    expect(fitText('abcdef', 6)).toBe('abcdef');
    expect(fitText('abcdefg', 6)).toBe('abcde…');
    expect(fitText('漢字漢字漢字', 7)).toBe('漢字漢…');
    expect(fitText('e\u0301e\u0301', 2)).toBe('e\u0301e\u0301');
    expect(fitText('abcdefg', 6, '...')).toBe('abc...');
    expect(fitText('abcdefg', 2, '...')).toBe('ab');
  });

  it('keeps each span its style, cutting inside the span where the width ends', () => {
    const red = renderLine('\x1b[31mred\x1b[0m plain \x1b[1mbold\x1b[0m')[0]?.style ?? null;
    expect(red?.fg).toBe('red');
    expect(fitSpans(renderLine('\x1b[31mred\x1b[0m plain \x1b[1mbold'), 8)).toEqual([
      { text: 'red', style: red },
      { text: ' pla', style: null },
      { text: '…', style: null },
    ]);
    expect(fitSpans(renderLine('\x1b[31mred\x1b[0m plain'), 9)).toEqual(renderLine('\x1b[31mred\x1b[0m plain'));
  });
});

describe('the end of a stage log', () => {
  it("is its last attempt's lines, pipe-tui's own lines and blank lines left out, read from the end only", async () => {
    const ws = await tempWorkspace();
    const runId = '20261124-055547-316-2z8tdp';
    const logs = path.join(ws, 'runs', runId, 'logs');
    await mkdir(logs, { recursive: true });
    const filler = 'x'.repeat(100);
    const log = [
      '===== pipe-tui: stage build, attempt 1 of 2, 2026-11-24T05:51:26.440Z =====',
      ...Array.from({ length: 800 }, () => filler),
      'first try failed',
      '===== pipe-tui: ERR_STAGE_EXIT: exited with code 3 after 5ms =====',
      '===== pipe-tui: stage build, attempt 2 of 2, 2026-11-24T05:51:28.728Z =====',
      'second try',
      '',
      '\x1b[31mboom\x1b[0m',
      '===== pipe-tui: ERR_STAGE_EXIT: exited with code 3 after 5ms =====',
      '',
    ].join('\n');
    await writeFile(path.join(logs, '00_build.log'), log);
    const tail = await readLogTail(ws, runId, { index: 0, id: 'build' }, 5);
    expect(tail?.size).toBe(Buffer.byteLength(log));
    expect(tail?.lines.map(plainText)).toEqual(['second try', 'boom']);
    expect(tail?.lines[1]?.[0]?.style?.fg).toBe('red');
    expect(await readLogTail(ws, runId, { index: 0, id: 'build' }, 5, Buffer.byteLength(log))).toBeNull();
    expect(await readLogTail(ws, runId, { index: 1, id: 'later' }, 5)).toEqual({ size: 0, lines: [] });
  });

  const writeLog = async (text: string): Promise<{ ws: string; runId: string }> => {
    const ws = await tempWorkspace();
    const runId = '20261124-055547-316-2z8tdp';
    const logs = path.join(ws, 'runs', runId, 'logs');
    await mkdir(logs, { recursive: true });
    await writeFile(path.join(logs, '00_build.log'), text);
    return { ws, runId };
  };

  it('is each line as a terminal leaves it: the last \\r frame, colours kept, hostile escapes gone', async () => {
    const frames = Array.from({ length: 50 }, (_, i) => `\r${i * 2}%|${'█'.repeat(i / 5)}| ${i}/50`).join('');
    const hostile = 'copy\x1b]52;c;aGVsbG8=\x07 title\x1b]0;x\x07 clear\x1b[2J\x1b[H done';
    const { ws, runId } = await writeLog(`${frames}\n\x1b[32mok\x1b[0m\n${hostile}\n`);
    const tail = await readLogTail(ws, runId, { index: 0, id: 'build' }, 5);
    expect(tail?.lines.map(plainText)).toEqual([`98%|${'█'.repeat(9)}| 49/50`, 'ok', 'copy title clear done']);
    expect(tail?.lines[1]?.[0]?.style?.fg).toBe('green');
  });

  it("shows the running stage's unfinished line as its last frame, even when it is longer than the window", async () => {
    const frames = Array.from({ length: 20_000 }, (_, i) => `\r${i}/20000 it`).join('');
    expect(frames.length).toBeGreaterThan(4 * 64 * 1024);
    const { ws, runId } = await writeLog(`===== pipe-tui: stage build, attempt 1 of 1, 2026-11-24T05:51:26.440Z =====\nstarting\n${frames}`);
    const tail = await readLogTail(ws, runId, { index: 0, id: 'build' }, 1);
    expect(tail?.lines.map(plainText)).toEqual(['19999/20000 it']);
  });
});
