import { useCallback, useMemo, useRef } from 'react';
import type { Span } from '../../shared/terminal-text.js';
import { logMatcher } from '../../workspace/log-search.js';
import { type FindState, findStatus, searchName } from '../find-state.js';
import type { FindEffect, FindFacts } from '../keymap.js';
import { lowerBound } from '../log-find.js';
import { type MarkedSpan, markLines } from '../marks.js';
import type { Glyphs } from '../text.js';
import type { UiAction } from '../ui-state.js';
import { useFilterView } from './use-filter-view.js';
import { useLogCopy } from './use-log-copy.js';
import { useLogJump } from './use-log-jump.js';
import { useMatchIndex } from './use-match-index.js';

export interface LogSearchSource {
  /** The log the pane shows, and whether it is open. */
  file: string | null;
  active: boolean;
  find: FindState;
  /** The view: its top (null: following), its current match, its height and width, its lines as read. */
  top: number | null;
  match: number | null;
  height: number;
  width: number;
  lines: Span[][];
  dispatch: (action: UiAction) => void;
  note: (text: string) => void;
  g: Glyphs;
}

export interface LogSearch {
  /** The pane's lines with the matches marked: the page of the log, or of the filter view. */
  lines: MarkedSpan[][];
  /** The filter view's title, in place of `(following)`; null outside it. */
  filterTitle: string | null;
  /** What the pane says without lines: the filter view's page is being read, or nothing matches. */
  empty: string | undefined;
  /** What the footer says of the search: null without one. */
  status: string | null;
  facts: FindFacts;
  perform: (effect: FindEffect) => void;
}

// The log pane's search, wired: the background count of the kept search, the jumps (Enter, n, N, E), the filter
// view, copying, the marks on screen, the footer's words.
export function useLogSearch(source: LogSearchSource): LogSearch {
  const { file, active, find, top, match, height, width, dispatch, note, g } = source;
  const { ellipsis } = g;
  const { kept } = find;
  // A match is current only while its search is kept: once forgotten, `y` copies the top line again.
  const current = kept ? match : null;
  const matcher = useMemo(() => {
    try {
      return kept ? logMatcher(kept.text, kept.regex) : null;
    } catch {
      return null;
    }
  }, [kept]);
  // One read of the log at a time: the count waits while a jump reads (the user waits for the jump).
  const jumping = useRef(0);
  const giveWay = useCallback(async () => {
    while (jumping.current > 0) await new Promise((resolve) => setTimeout(resolve, 20));
  }, []);
  const index = useMatchIndex(file, kept, active, giveWay);
  const jumps = useLogJump({ file, top, match: current, height, known: { ...index, search: kept }, dispatch, note, jumping });
  const filtering = active && find.filter && kept !== null;
  const filterTop = Math.min(find.top, Math.max(0, index.offsets.length - 1));
  const filter = useFilterView({ file, offsets: index.offsets, top: filterTop, context: find.context, height, width, active: filtering, ellipsis });
  const copy = useLogCopy({ file, top, match: current, height, filterRows: filtering ? filter.rows : null, note });

  const at = current === null ? -1 : lowerBound(index.offsets, current);
  const facts: FindFacts = { busy: jumps.busy !== null, counted: index.offsets.length, shown: filter.shown, at: at >= 0 && index.offsets[at] === current ? at : null };
  const shown: Span[][] = filtering ? filter.rows.map((row) => ('separator' in row ? [{ text: '--', style: null }] : row.spans)) : source.lines;
  const lines = useMemo(() => (matcher ? markLines(shown, (text) => matcher.ranges(text)) : shown), [matcher, shown]);
  const status = kept ? findStatus(kept, { ...index, counted: index.offsets.length, at: facts.at, busy: jumps.busy }, ellipsis) : null;
  const filterTitle = filtering && kept ? `${g.sep.trim()} lines matching ${searchName(kept)}${g.sep}${find.context} around (+ -)${g.sep}& back` : null;

  const empty = !filtering ? undefined : index.done && index.offsets.length === 0 ? 'no line matches' : '';

  const { jump, stop } = jumps;
  const perform = useCallback(
    (effect: FindEffect) => {
      if (effect.type === 'log-find') jump(effect);
      else if (effect.type === 'find-stop') stop();
      else copy(effect.page);
    },
    [jump, stop, copy],
  );
  return { lines, filterTitle, empty, status, facts, perform };
}
