import type { ProcEntry, ProcSource } from '../../src/daemon/engine/proc-table.js';

/** A machine's processes as a test sets them: every pass reads the table as it is then. */
export function tableSource(table: () => ProcEntry[], reads: { all: number; one: number } = { all: 0, one: 0 }): ProcSource {
  return {
    all: () => (reads.all++, table()),
    one: (pid) => (reads.one++, table().find((p) => p.pid === pid) ?? null),
    children: (pid) => table().flatMap((p) => (p.ppid === pid ? [p.pid] : [])),
  };
}
