import { open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NOTHING_KNOWN, failureLine, nextMatch, previousMatch, slicedSearch } from '../../src/tui/log-find.js';
import { readFilterPage } from '../../src/tui/filter-page.js';
import { plainText } from '../../src/shared/terminal-text.js';
import { logMatcher, searchLog } from '../../src/workspace/log-search.js';
import { removeWorkspaces, tempWorkspace } from '../helpers/workspace.js';

// Finding a match from a place in a log, forward and back, wrapping; the failure line; a page of the filter view.
// On files in the test's temp folder, several megabytes where it matters (searches span chunks and slices).

afterEach(removeWorkspaces);

async function logOf(lines: string[]) {
  const file = path.join(await tempWorkspace(), 'stage.log');
  const text = `${lines.join('\n')}\n`;
  await writeFile(file, text);
  const handle = await open(file);
  const starts: number[] = [];
  let at = 0;
  for (const line of lines) {
    starts.push(at);
    at += Buffer.byteLength(line) + 1;
  }
  return { handle, size: Buffer.byteLength(text), starts };
}

const filler = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `line ${from + i} with nothing in it`);

describe('finding a match from a place in the log', () => {
  it('goes forward and back, wraps at both ends, and says when it did, reading the disk or the offsets counted', async () => {
    const lines = [...filler(10), 'needle A', ...filler(60_000, 10), 'needle B', ...filler(60_000, 60_010), 'needle C', ...filler(10, 120_010)];
    const { handle, size, starts } = await logOf(lines);
    try {
      const [a, b, c] = ['needle A', 'needle B', 'needle C'].map((n) => starts[lines.indexOf(n)] as number);
      const m = logMatcher('needle');
      // Nothing counted yet; every match counted; a count that stopped at its cap after the first.
      for (const known of [NOTHING_KNOWN, { offsets: [a as number, b as number, c as number], scanned: size }, { offsets: [a as number], scanned: a as number }]) {
        expect(await nextMatch(handle, m, 0, size, known)).toEqual({ start: a, wrapped: false });
        expect(await nextMatch(handle, m, (a as number) + 9, size, known)).toEqual({ start: b, wrapped: false });
        expect(await nextMatch(handle, m, (c as number) + 9, size, known)).toEqual({ start: a, wrapped: true });
        expect(await previousMatch(handle, m, c as number, size, known)).toEqual({ start: b, wrapped: false });
        expect(await previousMatch(handle, m, a as number, size, known)).toEqual({ start: c, wrapped: true });
      }
      expect(await nextMatch(handle, logMatcher('absent'), 500, size, NOTHING_KNOWN)).toBeNull();
      // Stopped: nothing found, at once.
      const stopped = new AbortController();
      stopped.abort();
      expect(await nextMatch(handle, m, (a as number) + 9, size, NOTHING_KNOWN, { signal: stopped.signal })).toBeNull();
    } finally {
      await handle.close();
    }
  });

  it('finds in slices exactly what one pass finds, a slow pattern as a fast one', async () => {
    const lines = Array.from({ length: 80_000 }, (_, i) => (i % 997 === 0 ? `Ünïcode needle ${i}` : `plain \x1b[32mline\x1b[0m ${i}`));
    const { handle } = await logOf(lines);
    try {
      for (const m of [logMatcher('needle'), logMatcher('\\p{Lu}n', true)]) {
        const whole: string[] = [];
        for await (const batch of searchLog(handle, m)) whole.push(...batch.map((x) => `${x.start}:${x.text}`));
        const sliced: string[] = [];
        for await (const batch of slicedSearch(handle, m)) sliced.push(...batch.map((x) => `${x.start}:${x.text}`));
        expect(sliced).toEqual(whole);
        expect(sliced).toHaveLength(81);
      }
    } finally {
      await handle.close();
    }
  });
});

describe('the line that looks like the failure', () => {
  const attempt = (n: number) => `===== pipe-tui: stage train, attempt ${n} of 2, 2026-12-02T08:00:0${n}.000Z =====`;
  it("is the first of the last attempt, never pipe-tui's own line, and within the end when asked", async () => {
    const lines = [attempt(1), ...filler(5), 'Traceback (most recent call last):', 'ValueError: first try', '===== pipe-tui: ERR_STAGE_EXIT: exited with code 1 after 1s =====',
      attempt(2), 'retrying', 'TypeError: second try', '===== pipe-tui: ERR_STAGE_EXIT: exited with code 1 after 1s ====='];
    const { handle, size, starts } = await logOf(lines);
    try {
      expect(await failureLine(handle, size)).toEqual({ start: starts[11], wrapped: false });
      // From a place past it (the error panel's last lines): none there.
      expect(await failureLine(handle, size, starts[12])).toBeNull();
    } finally {
      await handle.close();
    }
  });
});

describe('a page of the filter view', () => {
  it('shows the matching lines with the lines around them, merging groups that touch, -- between the others', async () => {
    const lines = [...filler(5), 'hit 1', 'between', 'hit 2', ...filler(10, 5), 'hit 3', ...filler(3, 20)];
    const { handle, size, starts } = await logOf(lines);
    try {
      const offsets = ['hit 1', 'hit 2', 'hit 3'].map((h) => starts[lines.indexOf(h)] as number);
      const text = async (context: number, height: number, top = 0) => {
        const page = await readFilterPage(handle, offsets, top, context, height, 80, size, '…');
        return { rows: page.rows.map((row) => ('separator' in row ? '--' : `${row.match ? '>' : ' '}${plainText(row.spans)}`)), shown: page.shown };
      };
      expect(await text(0, 10)).toEqual({ rows: ['>hit 1', '>hit 2', '>hit 3'], shown: 3 });
      expect(await text(1, 10)).toEqual({
        rows: [' line 4 with nothing in it', '>hit 1', ' between', '>hit 2', ' line 5 with nothing in it', '--', ' line 14 with nothing in it', '>hit 3', ' line 20 with nothing in it'],
        shown: 3,
      });
      // A page ends before a `--`; the next starts at the first match it did not show.
      expect(await text(1, 6)).toEqual({ rows: [' line 4 with nothing in it', '>hit 1', ' between', '>hit 2', ' line 5 with nothing in it'], shown: 2 });
      expect((await text(1, 6, 2)).rows).toEqual([' line 14 with nothing in it', '>hit 3', ' line 20 with nothing in it']);
    } finally {
      await handle.close();
    }
  });
});
