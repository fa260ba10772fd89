import { isTerminal } from '../../shared/metadata-schema.js';
import { runIndexFile, scanIndex } from '../../workspace/run-index.js';
import { listRunIds } from '../../workspace/run-reader.js';

/** What a starting daemon looks at, decided from the runs index and the names in runs/, no folder opened. */
export interface RecoveryScope {
  /** Runs to recover before the daemon answers: those the index does not call finished, and those it lacks. */
  runIds: string[];
  /** Listed in the index, their folders gone (removed by hand while no daemon ran). */
  removed: string[];
  /** Every run folder's id, and so every run the index will hold. */
  known: Set<string>;
  /** The index is missing or unsound: it is rebuilt from every folder, in the background, recovering as it goes. */
  rebuild: boolean;
  /** Lines in the index against runs listed: when far more, the index is compacted. */
  lines: number;
}

export async function recoveryScope(workspace: string): Promise<RecoveryScope> {
  const ids = await listRunIds(workspace);
  const known = new Set(ids);
  const scan = scanIndex(runIndexFile(workspace));
  if (!scan.exists || scan.bad > 0) return { runIds: [], removed: [], known, rebuild: true, lines: scan.lines };
  const runIds = ids.filter((id) => {
    const status = scan.status.get(id);
    return status === undefined || status === null || !isTerminal(status);
  });
  const removed = [...scan.status].filter(([id, status]) => status !== null && !known.has(id)).map(([id]) => id);
  return { runIds, removed, known, rebuild: false, lines: scan.lines };
}
