import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readLogTail } from '../../src/cli/log-tail.js';
import { fitWidth, safeLine } from '../../src/cli/safe-text.js';
import { removeWorkspaces, tempWorkspace } from '../helpers/workspace.js';

afterEach(removeWorkspaces);

describe("a stage's output as the terminal may show it", () => {
  it.each([
    ['colours are dropped', '\x1b[31mred\x1b[0m and \x1b[1;32mgreen\x1b[m', 'red and green'],
    ['clear screen, cursor moves and a window title are dropped', 'a\x1b[2J\x1b[H\x1b]0;pwned\x07b\x1b]8;;http://x\x1b\\c', 'abc'],
    ['a lone escape is dropped, other controls become ?', 'x\x1by\x07z\x00', 'xy?z?'],
    ['C1 controls (U+009B is a CSI by itself) become ?', 'a\u009b2Jb\u0085c', 'a?2Jb?c'],
    ['bidirectional overrides become ?', 'abc\u202edef', 'abc?def'],
    ['a carriage return keeps what a terminal would show', '10%\r50%\r90% done\r', '90% done'],
    ['tabs become spaces', 'a\tb', 'a  b'],
  ])('%s', (_what, input, shown) => {
    expect(safeLine(input)).toBe(shown);
  });

  it('cuts to terminal cells, wide characters counting two, with … where it cut', () => {
    expect(fitWidth('abcdef', 6)).toBe('abcdef');
    expect(fitWidth('abcdefg', 6)).toBe('abcde…');
    expect(fitWidth('漢字漢字漢字', 7)).toBe('漢字漢…');
    expect(fitWidth('e\u0301e\u0301', 2)).toBe('e\u0301e\u0301');
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
      ...Array.from({ length: 400 }, () => filler),
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
    expect(tail).toEqual({ size: Buffer.byteLength(log), lines: ['second try', 'boom'] });
    expect(await readLogTail(ws, runId, { index: 0, id: 'build' }, 5, Buffer.byteLength(log))).toBeNull();
    expect(await readLogTail(ws, runId, { index: 1, id: 'later' }, 5)).toEqual({ size: 0, lines: [] });
  });
});
