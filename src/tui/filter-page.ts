import type { FileHandle } from 'node:fs/promises';
import { fitSpans } from '../shared/fit-spans.js';
import type { Span } from '../shared/terminal-text.js';
import { lineStartBefore } from '../workspace/log-paging.js';
import { linesFrom } from './log-find.js';

// A page of the filter view (`&`): the matching lines only, each with `context` lines before and after it, read from
// disk at the counted matches' offsets, as grep -C prints them: groups that touch are merged, `--` parts the others.

/** A row of the filter view: a line of the log (a match's, or one around it), or the `--` between groups. */
export type FilterRow = { start: number; spans: Span[]; match: boolean } | { separator: true };

export interface FilterPage {
  rows: FilterRow[];
  /** How many matches the page shows, from its first: where the next page starts. */
  shown: number;
}

export async function readFilterPage(file: FileHandle, offsets: readonly number[], top: number, context: number, height: number, width: number, size: number, ellipsis: string): Promise<FilterPage> {
  const rows: FilterRow[] = [];
  // Lines before a match never fill the page by themselves: the match shows.
  const before = Math.min(context, Math.floor((height - 1) / 2));
  /** The start of the line after the last one shown. */
  let next = -1;
  let shown = 0;
  for (let k = top; k < offsets.length && rows.length < height; k++) {
    const match = offsets[k] as number;
    // A match shown already, among the lines around the one before it.
    if (match < next) {
      shown++;
      continue;
    }
    const first = before > 0 ? await lineStartBefore(file, match, before) : match;
    const from = Math.max(first, next);
    if (context > 0 && next >= 0 && from > next) {
      // A page does not end on a `--`.
      if (rows.length >= height - 1) break;
      rows.push({ separator: true });
    }
    let after = -1;
    for await (const line of linesFrom(file, from, size)) {
      rows.push({ start: line.start, spans: fitSpans(line.spans, width, ellipsis), match: line.start === match });
      next = line.end + 1;
      if (line.start === match) {
        shown++;
        after = context;
      } else if (after > 0) after--;
      // (Past the match without meeting it: the log changed under the count.)
      if (after === 0 || rows.length >= height || (after < 0 && line.start > match)) break;
    }
  }
  return { rows: rows.slice(0, height), shown };
}
