import { open } from 'node:fs/promises';
import { useStdout } from 'ink';
import { useCallback, useRef } from 'react';
import { lastPageTop } from '../../workspace/log-paging.js';
import type { FilterRow } from '../filter-page.js';
import { plainLines } from '../log-find.js';

/**
 * OSC 52: the terminal puts `text` on the clipboard of the machine it runs on, over SSH too; tmux passes it on (and
 * keeps a paste buffer) with `set -g set-clipboard on`.
 */
export const osc52 = (text: string): string => `\x1b]52;c;${Buffer.from(text, 'utf8').toString('base64')}\x07`;

export interface CopySource {
  file: string | null;
  /** The view: its top (null: following), its current match, its height; or the filter view's rows. */
  top: number | null;
  match: number | null;
  height: number;
  filterRows: FilterRow[] | null;
  note: (text: string) => void;
}

// `y` and `Y`: the current match's line (else the top line), or every line on screen, whole and as shown (plain,
// however the screen cut them), written to the terminal as OSC 52. Ink draws the screen; this sequence moves no
// cursor, so it goes straight to stdout between frames, as the bell does.
export function useLogCopy(source: CopySource): (page: boolean) => void {
  const { stdout } = useStdout();
  const latest = useRef(source);
  latest.current = source;
  return useCallback(
    (page: boolean) => {
      const { note } = latest.current;
      void linesToCopy(latest.current, page)
        .then((lines) => {
          if (lines.length === 0) return note('nothing to copy');
          stdout.write(osc52(lines.join('\n')));
          note(`copied ${lines.length} line${lines.length === 1 ? '' : 's'}`);
        })
        .catch(() => note('nothing to copy: the log cannot be read'));
    },
    [stdout],
  );
}

async function linesToCopy(source: CopySource, page: boolean): Promise<string[]> {
  const { file, top, match, height, filterRows } = source;
  if (!file) return [];
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (filterRows) {
      const lines = filterRows.flatMap((row) => ('separator' in row ? [] : [row]));
      const wanted = page ? lines : lines.filter((row) => row.match).slice(0, 1);
      const texts: string[] = [];
      for (const row of wanted) texts.push(...(await plainLines(handle, row.start, 1, size)));
      return texts;
    }
    const from = top ?? (await lastPageTop(handle, size, height));
    return plainLines(handle, page ? from : (match ?? from), page ? height : 1, size);
  } finally {
    await handle.close();
  }
}
