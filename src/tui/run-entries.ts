import type { RunMetadata } from '../shared/metadata-schema.js';
import type { RunRead } from '../workspace/run-reader.js';

/** A run as the TUI lists it: a readable state, or a corrupt folder with its code (the run reader's one shape). */
export type RunEntry = RunRead;

export const entryId = (entry: RunEntry): string => (entry.ok ? entry.run.run_id : entry.runId);

// The feed's state wins where it is newer; the folders add what the feed does not carry (runs of a
// foreground CLI, runs made while disconnected, corrupt folders). Newest first, as run ids sort.
export function mergeEntries(feed: ReadonlyMap<string, RunMetadata>, disk: ReadonlyMap<string, RunEntry>): RunEntry[] {
  const merged = new Map<string, RunEntry>(disk);
  for (const [id, run] of feed) {
    const onDisk = disk.get(id);
    if (!onDisk || !onDisk.ok || onDisk.run.seq <= run.seq) merged.set(id, { ok: true, run });
  }
  return [...merged.values()].sort((a, b) => (entryId(a) < entryId(b) ? 1 : -1));
}
