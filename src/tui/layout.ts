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
  const list = Math.max(1, Math.min(input.entries, Math.floor(input.rows / 3), left - 2));
  left -= list;
  const errorLog = input.failed ? Math.max(0, Math.min(4, left - 5)) : 0;
  left -= input.failed ? errorLog + 4 : 0;
  const log = input.showLog ? Math.max(3, left - 2) : 0;
  left -= input.showLog ? log + 2 : 0;
  const entities = Math.max(0, Math.min(5, left - 1));
  return { list, entities, errorLog, log };
}
