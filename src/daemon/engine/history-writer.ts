import { appendFileSync, mkdirSync } from 'node:fs';
import type { HistoryRecord } from '../../shared/history-record.js';
import { stageRecord } from '../../shared/history-record.js';
import { writeAtomic } from '../../workspace/atomic-write.js';
import { HistoryIndex, recordsFromFolders } from '../../workspace/history-index.js';
import { daemonPaths } from '../../workspace/layout.js';
import type { RunRecorder } from './run-recorder.js';

// The write side of the history index: the daemon (and a foreground run) append each stage as it ends, and
// rebuild the file from the run folders when it is missing or corrupt. The folders stay the truth.
export class History extends HistoryIndex {
  /** Loads the index, rebuilding the file from the run folders when it is missing or corrupt. */
  static override async open(workspace: string): Promise<History> {
    const history = new History(daemonPaths(workspace).history);
    if (!history.load(true)) await history.rebuild(workspace);
    return history;
  }

  /** The index written afresh from the run folders (`stats --rebuild`). */
  static async rebuilt(workspace: string): Promise<History> {
    const history = new History(daemonPaths(workspace).history);
    await history.rebuild(workspace);
    return history;
  }

  /** Writes the index afresh from every run folder; returns how many records it holds. */
  async rebuild(workspace: string): Promise<number> {
    const records = await recordsFromFolders(workspace);
    mkdirSync(daemonPaths(workspace).dir, { recursive: true, mode: 0o700 });
    await writeAtomic(this.file, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    this.replace([], false);
    this.load();
    return records.length;
  }

  /** Adds records: to the file in one append (whole lines, so concurrent writers never interleave) and here. */
  append(records: HistoryRecord[]): void {
    if (records.length === 0) return;
    this.refresh();
    const fresh = records.filter((r) => !this.has(r));
    if (fresh.length === 0) return;
    appendFileSync(this.file, fresh.map((r) => `${JSON.stringify(r)}\n`).join(''), { mode: 0o600 });
    this.refresh();
  }
}

const STAGE_ENDS = new Set(['stage.succeeded', 'stage.failed', 'stage.skipped', 'stage.cancelled']);

/** Appends each stage of the run to the index as it ends; returns the unsubscribe. */
export function recordHistory(recorder: RunRecorder, history: History): () => void {
  return recorder.subscribe((event, state) => {
    if (!STAGE_ENDS.has(event.type) || !('stage' in event)) return;
    const stage = state.stages[event.stage];
    const record = stage ? stageRecord(state, stage) : null;
    try {
      if (record) history.append([record]);
    } catch {
      // The index only caches what the run folder holds: a failed append (a full disk) is made good by a rebuild.
    }
  });
}
