import { existsSync, statSync } from 'node:fs';
import { isTerminal } from '../../shared/metadata-schema.js';
import { runDir } from '../../workspace/layout.js';
import { runIndexFile, scanIndex } from '../../workspace/run-index.js';
import { indexCoversFolders } from '../../workspace/run-listing.js';
import { listRunIds } from '../../workspace/run-reader.js';

/** What a starting daemon looks at, decided from the runs index (and the names in runs/ when it may lag them). */
export interface RecoveryScope {
  /** Runs to recover before the daemon answers: those the index does not call finished, and those it lacks. */
  runIds: string[];
  /** Listed in the index, their folders gone (removed by hand while no daemon ran). */
  removed: string[];
  /** Every run the index holds (and, when runs/ was read, every folder). */
  known: Set<string>;
  /** Folders the index has no line for (found when runs/ was read): they get one at recovery, if they read. */
  lineless: Set<string>;
  /** Whether runs/ itself was read; if not, it is compared with the index in the background. */
  listed: boolean;
  /** The index is missing or unsound: it is rebuilt from every folder, in the background, recovering as it goes. */
  rebuild: boolean;
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

export async function recoveryScope(workspace: string): Promise<RecoveryScope> {
  const scan = scanIndex(runIndexFile(workspace));
  // Missing, a line that does not read, or a torn last line (the next append would be glued to it): rebuilt.
  if (!scan.exists || scan.bad > 0 || fileSize(runIndexFile(workspace)) > scan.whole) return { runIds: [], removed: [], known: new Set(await listRunIds(workspace)), lineless: new Set(), listed: true, rebuild: true };
  const unsettled = (status: string | null | undefined): boolean => status === undefined || status === null || !isTerminal(status as never);
  // Nothing made or removed in runs/ since the index was written: it names every folder, and 100 000 names need
  // not be read before the daemon answers.
  if (indexCoversFolders(workspace)) {
    const known = new Set([...scan.status].filter(([, status]) => status !== null).map(([id]) => id));
    const runIds = [...known].filter((id) => unsettled(scan.status.get(id)) && existsSync(runDir(workspace, id)));
    return { runIds, removed: [], known, lineless: new Set(), listed: false, rebuild: false };
  }
  const ids = await listRunIds(workspace);
  const known = new Set(ids);
  const runIds = ids.filter((id) => unsettled(scan.status.get(id)));
  const removed = [...scan.status].filter(([id, status]) => status !== null && !known.has(id)).map(([id]) => id);
  const lineless = new Set(ids.filter((id) => (scan.status.get(id) ?? null) === null));
  return { runIds, removed, known, lineless, listed: true, rebuild: false };
}
