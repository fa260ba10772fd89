export interface LayoutInput {
  rows: number;
  entries: number;
  stages: number;
  /** Rows of the error panel's text (error-text.ts), 0 without a panel. */
  error: number;
  showLog: boolean;
  /** Rows the footer takes beyond its line of keys: a wrapped note, a question's second line. */
  footer: number;
}

export interface Layout {
  list: number;
  entities: number;
  errorLog: number;
  log: number;
}

// How the terminal's rows are shared: header and footer first, the stages all they need, the error panel's text, the
// run list up to a third, then the failed stage's log end, the log pane and entities from what is left. Works from
// 24 rows up.
export function layout(input: LayoutInput): Layout {
  const fixed = 1 + 1 + input.footer + 1 + 1 + input.stages; // header, footer, note, gap, run header, stages
  let left = Math.max(0, input.rows - fixed);
  // With the log open the list gives way to it, and to an error panel, down to one row: what failed must show.
  const listCap = input.showLog ? Math.max(1, Math.floor(input.rows / 6)) : Math.floor(input.rows / 3);
  const panel = input.error > 0 ? 1 + input.error : 0;
  const list = Math.max(1, Math.min(input.entries, listCap, left - panel - 2));
  left -= list + panel;
  // The end of the failed stage's log gets what is spare, after a log pane's first rows.
  const errorLog = panel ? Math.min(4, Math.max(0, left - (input.showLog ? 6 : 0))) : 0;
  left -= errorLog;
  const log = input.showLog ? Math.max(1, left - 2) : 0;
  left -= input.showLog ? log + 2 : 0;
  const entities = Math.max(0, Math.min(5, left - 1));
  return { list, entities, errorLog, log };
}

/**
 * The item list of a fan-out stage: header, the list's title, its rows, then the chosen item's log, the footer. The
 * list gets two fifths of the room, the log the rest (what an item printed is what one opens the list for).
 */
export function itemsLayout(rows: number, footer: number): { items: number; log: number } {
  // Header, list title, log gap and title, footer, and a spare row as the main screen keeps: a frame as tall as the
  // terminal would scroll it.
  const left = Math.max(6, rows - (1 + 1 + 2 + 1 + 1 + footer));
  const items = Math.max(3, Math.floor((left * 2) / 5));
  return { items, log: Math.max(3, left - items) };
}
