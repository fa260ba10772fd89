export interface LayoutInput {
  rows: number;
  entries: number;
  stages: number;
  failed: boolean;
  showLog: boolean;
  note: boolean;
}

export interface Layout {
  list: number;
  entities: number;
  errorLog: number;
  log: number;
}

// How the terminal's rows are shared: header and footer first, the run list up to a third, the stages all
// they need, then the error panel, the log pane and entities from what is left. Works from 24 rows up.
export function layout(input: LayoutInput): Layout {
  const fixed = 1 + 1 + (input.note ? 1 : 0) + 1 + 1 + input.stages; // header, footer, note, gap, run header, stages
  let left = Math.max(0, input.rows - fixed);
  // With the log open the list gives way to it.
  const listCap = input.showLog ? Math.max(1, Math.floor(input.rows / 6)) : Math.floor(input.rows / 3);
  const list = Math.max(1, Math.min(input.entries, listCap, left - 2));
  left -= list;
  // The error panel: margin, the error, hint and path (4 rows), then as much of the log's end as is spare.
  const errorLog = input.failed ? Math.min(4, Math.max(0, left - 4 - (input.showLog ? 6 : 0))) : 0;
  left -= input.failed ? 4 + errorLog : 0;
  const log = input.showLog ? Math.max(1, left - 2) : 0;
  left -= input.showLog ? log + 2 : 0;
  const entities = Math.max(0, Math.min(5, left - 1));
  return { list, entities, errorLog, log };
}
