import { type IndexEntry, activeMsOf, entryOfSummary } from '../../shared/run-index-entry.js';
import { listRunIds, readSummariesWithSync } from '../../workspace/run-reader.js';
import { replaceIndex, sizeOf } from './run-index-writer.js';
import { runIndexFile } from '../../workspace/run-index.js';

/** Folders read between two turns of the event loop: the daemon keeps answering through a rebuild. */
const BATCH = 500;

export interface RebuildProgress {
  done: number;
  total: number;
}

/**
 * Writes the runs index afresh from every run folder, a batch at a time with the event loop served between
 * batches. `each` sees every run as it is read, its listing null when unreadable, and may give a fresher listing
 * (the daemon recovers runs still moving, and corrupt ones from their events).
 * Returns how many runs it holds.
 */
export async function rebuildIndex(
  workspace: string,
  options: { each?: (runId: string, entry: IndexEntry | null) => Promise<IndexEntry | null | undefined>; progress?: (p: RebuildProgress) => void } = {},
): Promise<number> {
  const since = sizeOf(runIndexFile(workspace));
  const ids = (await listRunIds(workspace)).reverse();
  const entries: IndexEntry[] = [];
  for (let i = 0; i < ids.length; i += BATCH) {
    for (const { read, extra } of readSummariesWithSync(workspace, ids.slice(i, i + BATCH), activeMsOf)) {
      let entry = read.ok ? entryOfSummary(read.run, extra) : null;
      if (options.each) entry = (await options.each(read.ok ? read.run.run_id : read.runId, entry)) ?? entry;
      if (entry) entries.push(entry);
    }
    options.progress?.({ done: Math.min(ids.length, i + BATCH), total: ids.length });
    await new Promise((resolve) => setImmediate(resolve));
  }
  replaceIndex(workspace, entries, since);
  return entries.length;
}
